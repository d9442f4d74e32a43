"""Toy trainer speed: ganviz's Trainer against a plain PyTorch GAN loop of the same model, batch
and optimiser, measured in one run (interleaved blocks, median of block rates).

The plain loop is the one-file style people copy (PyTorch-GAN's gan.py): fresh real data sampled
every step, BCE with label tensors, three D forwards, D weight gradients computed in the G step,
and torch's default thread count. Two conditions: an idle machine, and one core kept busy by
another process, which is the dashboard's normal state (the server draws figures, the browser
renders them, another session trains). Run: python bench/trainer_speed.py [--steps 300] [--blocks 5]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ganviz.data import get_dataset  # noqa: E402
from ganviz.nets.mlp import MLP  # noqa: E402
from ganviz.training import TrainConfig, Trainer  # noqa: E402

WIDTH, DEPTH, BATCH, LATENT, LR = 128, 3, 256, 2, 2e-4


def plain_loop(steps: int, threads: int) -> float:
    """Steps per second of the plain loop."""
    torch.set_num_threads(threads)
    data = get_dataset("ring8")
    G, D = MLP(LATENT, 2, DEPTH, WIDTH), MLP(2, 1, DEPTH, WIDTH)
    opt_g = torch.optim.Adam(G.parameters(), lr=LR, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=LR, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(0)
    t0 = time.perf_counter()
    for _ in range(steps):
        real = data.sample(BATCH, gen)
        valid, fake_label = torch.ones(BATCH, 1), torch.zeros(BATCH, 1)
        opt_g.zero_grad()
        fake = G(torch.randn(BATCH, LATENT))
        g_loss = bce(D(fake), valid)
        g_loss.backward()
        opt_g.step()
        opt_d.zero_grad()
        d_loss = (bce(D(real), valid) + bce(D(fake.detach()), fake_label)) / 2
        d_loss.backward()
        opt_d.step()
    return steps / (time.perf_counter() - t0)


def ours(steps: int) -> float:
    t = Trainer(TrainConfig(dataset="ring8", objective="nsgan", g_depth=DEPTH, g_width=WIDTH, d_depth=DEPTH,
                            d_width=WIDTH, batch=BATCH, latent_dim=LATENT, lr_g=LR, lr_d=LR,
                            eval_every=10**9, log_every=10))
    t0 = time.perf_counter()
    t.train(steps)
    return steps / (time.perf_counter() - t0)


def _spin(stop) -> None:
    while not stop.is_set():
        pass


def measure(steps: int, blocks: int, threads: int) -> dict:
    rates = {"ours": [], "plain": []}
    for _ in range(blocks):
        rates["plain"].append(plain_loop(steps, threads))
        rates["ours"].append(ours(steps))
    med = {k: statistics.median(v) for k, v in rates.items()}
    return {"ours_steps_per_s": round(med["ours"], 1), "plain_steps_per_s": round(med["plain"], 1),
            "ratio": round(med["ours"] / med["plain"], 2)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--blocks", type=int, default=5)
    p.add_argument("--threads", type=int, default=torch.get_num_threads(),
                   help="threads of the plain loop (torch's default here)")
    args = p.parse_args()
    out = {"batch": BATCH, "width": WIDTH, "depth": DEPTH, "plain_threads": args.threads,
           "idle": measure(args.steps, args.blocks, args.threads)}
    stop = mp.Event()
    spinner = mp.Process(target=_spin, args=(stop,), daemon=True)
    spinner.start()
    try:
        out["one_core_busy"] = measure(args.steps, args.blocks, args.threads)
    finally:
        stop.set()
        spinner.join()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
