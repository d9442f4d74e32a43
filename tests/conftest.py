import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
torch.set_num_threads(1)  # the tests' process trains as a worker's child does (claim_process)
torch.set_flush_denormal(True)


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    """``python -m ganviz ARGV`` in-process: (exit status, stdout, stderr); argparse's refusals included."""
    from ganviz.__main__ import main

    try:
        code = main(list(argv))
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(0)
