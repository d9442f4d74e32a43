"""Every input a browser can send is one the app can check: no page or UI helper draws a free text
box (a path or anything else typed would reach the server unparsed; the one text box, the seed,
is short and strictly parsed), and every upload names the file types it takes. New pages fall
under the same rule by being in the folders read here."""

import ast

from tests.conftest import ROOT

FREE_TEXT = {"text_area", "chat_input"}
# The only text boxes: each is short and its text goes through a strict parser before anything uses it.
PARSED_TEXT = {"ganviz/ui/toy_controls.py": "parse_seed"}


def _calls(path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node


def _sources():
    files = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ganviz" / "ui").rglob("*.py"))]
    assert len(files) >= 7
    return files


def test_no_page_draws_a_free_text_box():
    found = [f"{p.relative_to(ROOT)}:{c.lineno} {c.func.attr}" for p in _sources() for c in _calls(p)
             if c.func.attr in FREE_TEXT]
    assert found == []
    boxes = [(p, c) for p in _sources() for c in _calls(p) if c.func.attr == "text_input"]
    for p, c in boxes:
        where = str(p.relative_to(ROOT))
        assert where in PARSED_TEXT and PARSED_TEXT[where] in p.read_text(), f"{where}:{c.lineno} is not a parsed box"
        assert "max_chars" in {k.arg for k in c.keywords}, f"{where}:{c.lineno} takes text of any length"


def test_every_uploader_names_its_file_types():
    uploaders = [(p, c) for p in _sources() for c in _calls(p) if c.func.attr == "file_uploader"]
    assert len(uploaders) >= 3  # toy lab checkpoint, BEGAN checkpoint, BEGAN images
    untyped = [f"{p.relative_to(ROOT)}:{c.lineno}" for p, c in uploaders if "type" not in {k.arg for k in c.keywords}]
    assert untyped == []
