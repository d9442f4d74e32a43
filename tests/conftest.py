import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
torch.set_num_threads(1)  # the tests' process trains as a worker's child does (claim_process)
torch.set_flush_denormal(True)


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(0)
