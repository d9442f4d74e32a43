"""Image trainer speed, measured in one run: ganviz's Trainer on the image default
(``image_recipe("digits")``: NSGAN, DCGAN-style G and D of ganviz/nets/conv.py with 32 filters,
16 x 16 digits, latent 32, batch 32, Adam 2e-4 (0.5, 0.999), EMA of G at 0.99) against a plain
PyTorch loop of the same G and D, batch and Adam, written as PyTorch-GAN's dcgan.py is.

The plain loop is the one-file style people copy (PyTorch-GAN's implementations/dcgan/dcgan.py):
BCE on logits with label tensors made every step, G step first, three D forwards (the fake batch
twice), D's weight gradients computed in the G step. Its real batch is drawn by random indices
into the same tensor of digits (cheaper than a DataLoader, so the comparison is the harder one).
The Trainer does more work per step than the plain loop: it also updates G's EMA copy and logs
every 10 steps.

Each contender lives in its own process (one torch thread, denormals flushed, as the trainer's
process does: ``claim_process``), built once and warmed up for 20 steps; then the two are timed in
turn (ours, plain, ours, plain, ...) for ``--blocks`` rounds of ``--steps`` steps, so a change in
the machine's load hits both, and each side's best round is kept (the least disturbed by other
processes), with the medians beside them. Both wall-clock steps/s and steps per second of the process's own CPU time are given:
on a shared machine the second says what the code costs, the first what a user waits.

Run: python bench/image_speed.py [--steps 100] [--blocks 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from plain_gan import plain_gan_step  # noqa: E402 (bench/, beside this file)
WARMUP = 20


def plain_step():
    """One step of the PyTorch-GAN-style loop on the image default's networks (a closure)."""
    import torch

    from ganviz.data.images import load_images
    from ganviz.nets.conv import ConvD, ConvG
    from ganviz.training.recipes import image_recipe

    c = image_recipe("digits").resolved()
    images = load_images("digits", c.image_size).images
    torch.manual_seed(c.seed)
    G = ConvG(c.latent_dim, c.g_width, c.image_size, images.shape[1])
    D = ConvD(c.d_width, c.image_size, images.shape[1])
    return plain_gan_step(G, D, lambda n: images[torch.randint(0, len(images), (n,))], c.batch, c.latent_dim,
                          c.lr_g, c.lr_d, (c.beta1, c.beta2))


def trainer_step():
    """One step of ganviz's Trainer on ``image_recipe("digits")`` (its ``step``)."""
    from ganviz.training import Trainer
    from ganviz.training.recipes import image_recipe

    return Trainer(image_recipe("digits")).step


def _worker(kind: str) -> None:
    """Build the contender, warm it up, then time ``n`` steps for each line ``n`` read from stdin:
    one line back with wall-clock steps/s and CPU steps/s (steps per second of this process's CPU time)."""
    from ganviz.training.trainer import claim_process

    claim_process(1)
    step = plain_step() if kind == "plain" else trainer_step()
    for _ in range(WARMUP):
        step()
    print("ready", flush=True)
    for line in sys.stdin:
        n = int(line)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            step()
        print(n / (time.perf_counter() - wall), n / (time.process_time() - cpu), flush=True)


def measure(steps: int, blocks: int) -> dict:
    """Both contenders, each in its own process built once, timed in turn (ours, plain, ours, ...)
    for ``blocks`` rounds of ``steps`` steps: the best and the median wall-clock and CPU rates of
    each and their ratios (ours / plain)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = {kind: subprocess.Popen([sys.executable, __file__, "--worker", kind], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
             for kind in ("ours", "plain")}
    rates: dict[str, list[tuple[float, float]]] = {k: [] for k in procs}
    try:
        for p in procs.values():
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("a bench worker failed to start")
        for _ in range(blocks):
            for kind, p in procs.items():
                p.stdin.write(f"{steps}\n")
                p.stdin.flush()
                wall, cpu = map(float, p.stdout.readline().split())
                rates[kind].append((wall, cpu))
    finally:
        for p in procs.values():
            p.stdin.close()
            p.wait()
    out = {}
    for i, what in enumerate(("", "cpu_")):
        best = {k: round(max(r[i] for r in v), 1) for k, v in rates.items()}
        median = {k: round(statistics.median(r[i] for r in v), 1) for k, v in rates.items()}
        out |= {f"{what}steps_per_s_best": best, f"{what}ratio_ours_vs_plain": round(best["ours"] / best["plain"], 2),
                f"{what}steps_per_s_median": median,
                f"{what}median_ratio_ours_vs_plain": round(median["ours"] / median["plain"], 2)}
    return {**out, "all_steps_per_s": {k: [round(r[0], 1) for r in v] for k, v in rates.items()}}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=100, help="timed steps per timing (default 100)")
    p.add_argument("--blocks", type=int, default=10, help="alternating rounds (default 10)")
    p.add_argument("--worker", choices=["plain", "ours"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        sys.path.insert(0, str(ROOT))
        _worker(args.worker)
        return
    load = os.getloadavg()[0]
    out = {"batch": 32, "size": 16, "width": 32, "threads": 1, "steps": args.steps, "blocks": args.blocks,
           **measure(args.steps, args.blocks), "load_1min_before": round(load, 2),
           "load_1min_after": round(os.getloadavg()[0], 2)}
    best = out["steps_per_s_best"]
    cpu = out["cpu_steps_per_s_best"]
    print(f"best of {args.blocks}: ours {best['ours']} steps/s, plain {best['plain']} steps/s, ratio "
          f"{out['ratio_ours_vs_plain']}; per CPU second: ours {cpu['ours']}, plain {cpu['plain']}, ratio "
          f"{out['cpu_ratio_ours_vs_plain']}", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
