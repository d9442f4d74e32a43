from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "pages/4_Latent_Space.py")


def test_page_shows_paths_walk_and_truncation():
    at = AppTest.from_file(PAGE).run(timeout=120)
    assert not at.exception
    assert at.title[0].value == "Latent space"
    assert len(at.get("plotly_chart")) == 6  # linear, slerp, norms, walk, truncated samples, truncation curve
    loose = [float(m.value) for m in at.metric]  # quality, class entropy, pairwise distance, digits
    at.slider(key="ls_threshold").set_value(0.2).run(timeout=120)
    assert not at.exception
    tight = [float(m.value) for m in at.metric]
    # truncation trades diversity away (BigGAN): fewer kinds of digit, closer together. Whether
    # fidelity rises depends on the model (gamma 0.7: yes; gamma 0.5: its z-centre draws vaguer digits)
    assert tight[1] < loose[1] and tight[2] < 0.5 * loose[2] and tight[3] <= loose[3], (loose, tight)


def test_missing_and_corrupted_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("GANVIZ_CHECKPOINTS", str(tmp_path))
    at = AppTest.from_file(PAGE).run(timeout=60)
    assert not at.exception and "No generator checkpoint found" in at.error[0].value
    (tmp_path / "began_gamma0.5.safetensors").write_bytes(b"PK\x03\x04 not really")
    at = AppTest.from_file(PAGE).run(timeout=60)
    assert not at.exception and "Cannot open began_gamma0.5.safetensors" in at.error[0].value
    assert "zip archive" in at.error[0].value
    (tmp_path / "biggan_digits.safetensors").write_bytes(b"PK\x03\x04 not really")
    at = AppTest.from_file(PAGE)
    at.query_params.update({"ckpt": "biggan"})
    at.run(timeout=60)
    assert not at.exception and "Cannot open biggan_digits.safetensors" in at.error[0].value


def test_the_same_link_draws_the_same_truncated_samples_and_png():
    """The truncation grid is seeded: a rerun of the same link (the model cached in the session, so
    nothing reseeds torch's global generator) draws the same samples; the PNG's bytes are equal."""
    import torch

    from ganviz.latent import truncated_points
    from ganviz.plots.animation import grid_frame, grid_png
    from ganviz.training.began import load
    from ganviz.training.shipped import shipped_began

    at = AppTest.from_file(PAGE)
    at.query_params.update({"threshold": "0.3"})
    at.run(timeout=120)
    first = at.get("plotly_chart")[4].proto.spec  # the truncated samples
    at.run(timeout=120)
    assert not at.exception and at.get("plotly_chart")[4].proto.spec == first
    trainer = load(shipped_began()[0.5])
    pngs = []
    for _ in range(2):
        torch.rand(7)  # whatever ran before must not matter
        pngs.append(grid_png(grid_frame(0, trainer.sample(z=truncated_points(trainer.config.latent_dim, 32, 0.3)))))
    assert pngs[0] == pngs[1]


# --- the class-conditional BigGAN ------------------------------------------------------------------
def _biggan(**params):
    """The BigGAN scene judged on 200 samples a threshold (the page offers 200; cached per class)."""
    at = AppTest.from_file(PAGE)
    at.query_params.update({"ckpt": "biggan", "n": "200", **params})
    return at.run(timeout=120)


def _metrics(at) -> dict[str, float]:
    return {m.label: float(m.value) for m in at.metric}


def _row_labels(at, i) -> list[str]:
    """The digits the classifier reads under the images of the i-th figure (an image_grid's ticks)."""
    import json

    return json.loads(at.get("plotly_chart")[i].proto.spec)["layout"]["xaxis"]["ticktext"]


def test_biggan_truncation_trades_recall_for_precision_at_every_class():
    """The caption and the intro: from off to 0.5 precision rises and recall falls under a tenth;
    confidence and agreement stay >= 0.97 at every threshold; recall falls all the way down; at
    0.25 recall is 0.000 and precision 1.000 (Try this)."""
    from ganviz.metrics.truncation import truncation_report
    from ganviz.training.checkpoint import load
    from ganviz.training.classifier import load_classifier
    from ganviz.training.shipped import CHECKPOINTS, classifier_path

    at = _biggan()
    assert not at.exception and not at.error
    assert len(at.get("plotly_chart")) == 4  # samples, trade-off, the class path, the z path
    assert [m.label for m in at.metric] == ["precision", "recall", "mean confidence", "class agreement"]
    # the page's numbers are the library's (the CLI's function) at the page's threshold (default 1)
    rows = truncation_report(load(CHECKPOINTS / "biggan_digits.safetensors"), load_classifier(classifier_path()),
                             [1.0], n=200)["thresholds"]
    at1 = _metrics(at)
    assert (at1["precision"], at1["recall"]) == (round(rows[0]["precision"], 3), round(rows[0]["recall"], 3))
    assert "against the 898 real digits of half A" in at.caption[0].value
    at.select_slider(key="ls_trunc").set_value("off").run(timeout=60)
    off = _metrics(at)
    at.select_slider(key="ls_trunc").set_value(0.5).run(timeout=60)
    tight = _metrics(at)
    assert tight["precision"] > off["precision"] and tight["recall"] < off["recall"] / 10, (off, tight)
    assert f"({off['precision']:.3f} → {tight['precision']:.3f})" in at.caption[0].value
    at.select_slider(key="ls_trunc").set_value(0.25).run(timeout=60)
    assert not at.exception and _metrics(at)["recall"] == 0 and _metrics(at)["precision"] == 1
    assert at.query_params["trunc"] == "0.25" and at.query_params["ckpt"] == "biggan"


def test_biggan_curve_recall_falls_with_the_threshold_and_fidelity_stays_high():
    import json

    at = _biggan()
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    series = {tr["name"]: tr for tr in spec["data"]}
    t, recall = series["recall"]["x"], series["recall"]["y"]
    assert t == [0.25 * k for k in range(1, 11)] and recall == sorted(recall)  # recall falls as t falls
    for name in ("mean confidence", "class agreement"):
        assert min(series[name]["y"]) >= 0.97, name
    off_levels = [s["y0"] for s in spec["layout"]["shapes"] if s.get("line", {}).get("dash") == "dot"]
    assert len(off_levels) == 4 and min(off_levels[1:3]) >= 0.97  # off: confidence, agreement >= 0.97 too


def test_biggan_one_class_and_the_two_paths():
    """One class: judged against its own real digits, the same trade-off; the class path reads a
    at its start and b at its end, the z path reads a throughout, for another seed A too."""
    at = _biggan(**{"class": "3", "trunc": "0.5"})
    assert not at.exception and "against the 183 real digits of class 3" in at.caption[0].value
    tight = _metrics(at)
    at.select_slider(key="ls_trunc").set_value("off").run(timeout=60)
    off = _metrics(at)
    assert tight["precision"] > off["precision"] and tight["recall"] < off["recall"] / 10, (off, tight)
    assert tight["class agreement"] == 1 and off["class agreement"] >= 0.97
    for seed in (1, 5):
        at.number_input(key="ls_seed_a").set_value(seed).run(timeout=60)
        across, along = _row_labels(at, 2), _row_labels(at, 3)
        assert across[0] == "1" and across[-1] == "7" and len(across) == 10, (seed, across)
        assert set(along) == {"1"}, (seed, along)
