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
    assert not at.exception and "No BEGAN checkpoint found" in at.error[0].value
    (tmp_path / "began_gamma0.5.safetensors").write_bytes(b"PK\x03\x04 not really")
    at = AppTest.from_file(PAGE).run(timeout=60)
    assert not at.exception and "Cannot open began_gamma0.5.safetensors" in at.error[0].value
    assert "zip archive" in at.error[0].value


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
