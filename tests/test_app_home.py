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
    assert len(at.get("page_link")) == len(linked)
