"""Shared fixtures of the browser tests: one Streamlit server and one Chromium per module, a
fresh browser context per test. A module sets SERVER_ENV to give its server environment variables."""

from pathlib import Path

import pytest

from tests.browser_support import ARTIFACTS, app_tracebacks, launch, require_browser, streamlit_server


@pytest.fixture(scope="module")
def server(request):
    """``streamlit run app.py`` for this module; at the end its log must hold no traceback of ours."""
    require_browser()
    name = request.module.__name__.rsplit(".", 1)[-1]
    with streamlit_server(env=getattr(request.module, "SERVER_ENV", None),
                          log_path=ARTIFACTS / f"streamlit-{name}.log") as s:
        yield s
    errors = app_tracebacks(Path(s.log_path).read_text(errors="replace"))
    assert not errors, errors[0][-3000:]


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    ctx.close()
