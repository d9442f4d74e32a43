"""Every docstring example in the library runs and gives what it shows (doctest), and every
objective carries one: a formula's worked example is a test, not prose."""

import doctest
import importlib
import pkgutil

import pytest

import ganviz

MODULES = sorted(m.name for m in pkgutil.walk_packages(ganviz.__path__, "ganviz.") if not m.name.endswith("__main__"))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_give_what_they_show(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=FLAGS, report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (printed above)"


def test_every_objective_module_has_a_worked_example():
    objectives = [n for n in MODULES if n.startswith("ganviz.objectives.") and not n.endswith(("base", "__init__"))]
    assert len(objectives) >= 6
    empty = [n for n in objectives if doctest.testmod(importlib.import_module(n), optionflags=FLAGS).attempted == 0]
    assert empty == []
