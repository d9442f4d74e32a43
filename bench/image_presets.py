"""Print what each image-lab preset shows, measured as the lab measures it (256 samples of a fixed z
every 100 steps): classes present, mean confidence, precision, recall and digit FID per measure.

    python bench/image_presets.py [--steps N] [NAME ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ganviz.training.image_snapshot import make_trainer  # noqa: E402
from ganviz.training.presets_image import PRESETS, preset_config  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", help="presets (default: all)")
    p.add_argument("--steps", type=int, default=None, help="steps per preset (default: the preset's own)")
    args = p.parse_args()
    torch.set_num_threads(1)
    for name in args.names or list(PRESETS):
        preset = PRESETS[name]
        t = make_trainer(preset_config(name))
        started = time.perf_counter()
        t.train(args.steps or preset.steps)
        seconds = time.perf_counter() - started
        print(f"{name} ({t.step_count} steps, {seconds:.0f} s of training and measuring)")
        print("  step  classes  confidence  precision  recall  digit FID")
        for r in t.hooks[0].rows:
            print(f"  {r['step']:4d}  {r['classes_present']:7d}  {r['quality']:10.2f}  {r['precision']:9.2f}  "
                  f"{r['recall']:6.2f}  {r['digit_fid']:9.0f}")
        print(f"  real vs real digit FID at n = 256: {t.hooks[0].floor:.0f}")


if __name__ == "__main__":
    main()
