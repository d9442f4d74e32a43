import csv
import io

from PIL import Image

from ganviz.plots.animation import gif_bytes, png_bytes
from ganviz.plots.samples_view import picture_size
from ganviz.training import TrainConfig, Trainer, snapshot
from ganviz.training.export import FrameRecorder, history_csv

SMALL = dict(g_width=32, d_width=32, batch=64, eval_samples=300, eval_every=10, log_every=5)


def _run(steps=40, every=10):
    t = Trainer(TrainConfig(**SMALL))
    rec = FrameRecorder(max_frames=3, make=snapshot.frame)
    for _ in range(steps // every):
        t.train(every)
        rec.add(snapshot.take(t))
    return t, rec


def test_gif_and_png_open_as_images_of_the_right_size():
    t, rec = _run()
    assert [f.step for f in rec.frames] == [10, 30, 40]  # thinned, still spanning the run
    gif = Image.open(io.BytesIO(gif_bytes(rec.frames, size=200)))
    assert gif.format == "GIF" and gif.size == picture_size(200) and gif.n_frames == 3
    png = Image.open(io.BytesIO(png_bytes(rec.frames[-1], size=320)))
    assert png.format == "PNG" and png.size == picture_size(320)


def test_recorder_starts_again_after_a_reset():
    t, rec = _run(20)
    fresh = Trainer(TrainConfig(**SMALL))
    fresh.train(5)
    rec.add(snapshot.take(fresh))
    assert [f.step for f in rec.frames] == [5]


def test_history_csv_joins_losses_and_metrics_by_step():
    t, _ = _run()
    rows = list(csv.DictReader(io.StringIO(history_csv(snapshot.take(t)))))
    assert [int(r["step"]) for r in rows] == [5, 10, 15, 20, 25, 30, 35, 40]
    assert all(r["d_loss"] for r in rows)
    assert rows[1]["w1"] and not rows[0]["w1"]  # W1 measured every 10 steps
    assert float(rows[-1]["w1"]) == t.eval_history.rows[-1]["w1"]
