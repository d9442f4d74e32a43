import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_home_page_says_what_ganviz_is_and_links_existing_pages():
    at = AppTest.from_file(str(ROOT / "app.py")).run(timeout=60)
    assert not at.exception
    assert at.title[0].value == "ganviz"
    text = " ".join(m.value for m in at.markdown)
    assert "Nothing is downloaded" in text
    import app  # the page list: every linked page must exist (the home page skips missing ones)
    linked = [p for p, *_ in app.PAGES if (ROOT / p).is_file()]
    tour = [p for p, *_ in app.TOUR if (ROOT / p).is_file()]
    assert len(at.get("page_link")) == len(linked) + len(tour)
    assert len(app.TOUR) == 9


def test_tour_links_open_their_scene():
    import app
    for page, label, params in app.TOUR:
        if not params or not (ROOT / page).is_file():
            continue
        at = AppTest.from_file(str(ROOT / page))
        at.query_params.update(params)
        at.run(timeout=90)
        assert not at.exception, label
        assert not at.warning, (label, [w.value for w in at.warning])  # no parameter was refused


def test_home_page_has_the_presentation_toggle():
    at = AppTest.from_file(str(ROOT / "app.py"))
    at.query_params.update({"present": "1"})
    at.run(timeout=60)
    assert at.toggle(key="present").value is True
    assert any("font-size: 20px" in m.value for m in at.markdown)


def test_a_tour_scene_of_the_toy_lab_links_the_next_scene():
    import app
    at = AppTest.from_file(str(ROOT / "pages" / "2_Toy_GAN_Lab.py"))
    at.query_params.update(app.TOUR[0][2])
    at.run(timeout=90)
    assert not at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(getattr(p.proto, "label", "") for p in at.get("page_link"))
    assert "next scene → 2" in text.replace("\\", ""), text[:300]
    plain = AppTest.from_file(str(ROOT / "pages" / "2_Toy_GAN_Lab.py")).run(timeout=90)
    assert "next scene" not in " ".join(m.value for m in plain.markdown)


@pytest.mark.parametrize("index", [3, 7])  # Divergences, BEGAN (Spectra's scene is the last)
def test_every_page_a_tour_scene_opens_links_the_next_scene(index):
    import app
    page, _, params = app.TOUR[index]
    at = AppTest.from_file(str(ROOT / page))
    at.query_params.update(params or {})
    at.run(timeout=120)
    assert not at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(getattr(p.proto, "label", "") for p in at.get("page_link"))
    assert f"next scene → {index + 2}" in text.replace("\\", ""), text[:300]


def test_the_home_page_imports_neither_torch_nor_the_trainers_forkserver():
    """The home page is what a fresh server shows first: it must not wait for PyTorch (seconds of CPU),
    nor start the trainers' forkserver (app.py's server warms that as it starts). A fresh interpreter,
    so that no other test's imports count."""
    code = ("import sys\n"
            "from streamlit.testing.v1 import AppTest\n"
            "at = AppTest.from_file(sys.argv[1]).run(timeout=60)\n"
            "assert not at.exception and at.title[0].value == 'ganviz', at.exception\n"
            "print(sorted(m for m in ('torch', 'ot', 'ganviz.training', 'ganviz.forkserver') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "app.py")], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout
