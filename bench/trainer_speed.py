"""Toy trainer speed, measured in one run (interleaved blocks, median of block rates): ganviz's
Trainer at 1 and 2 torch threads, the Trainer of an earlier commit (``--baseline``, default the
last commit before the one lab core), and a plain PyTorch GAN loop at 1 and 2 threads.

The plain loop is the one-file style people copy (PyTorch-GAN's gan.py): fresh real data sampled
every step, BCE with label tensors, three D forwards, D weight gradients computed in the G step.
Every contender runs in its own fresh process (the same start for all; torch's thread pool is per
process), warms up for 20 steps, then is timed. Two conditions: an idle machine, and one core kept
busy by another process (the dashboard's normal state: the server draws, the browser renders).

On a machine with CUDA, ``--cuda`` times the Trainer there too, its step recorded as a CUDA graph
(``ganviz.training.cuda_graph``) and eager, against the best CPU contender (issue: a toy run on a
GPU at least 5x the CPU's steps/s).

Run: python bench/trainer_speed.py [--steps 300] [--blocks 5] [--baseline REV] [--cuda]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from plain_gan import plain_gan_step  # bench/, beside this file (a baseline's ganviz goes first on sys.path)

ROOT = Path(__file__).resolve().parents[1]
WIDTH, DEPTH, BATCH, LATENT, LR = 128, 3, 256, 2, 2e-4
BASELINE = "13df19c"  # the last commit with the two training stacks
WARMUP = 20


def plain_loop(steps: int) -> float:
    """Steps per second of the plain loop."""
    import torch

    from ganviz.data import get_dataset
    from ganviz.nets.mlp import MLP

    data = get_dataset("ring8")
    G, D = MLP(LATENT, 2, DEPTH, WIDTH), MLP(2, 1, DEPTH, WIDTH)
    gen = torch.Generator().manual_seed(0)
    step = plain_gan_step(G, D, lambda n: data.sample(n, gen), BATCH, LATENT, LR, LR, (0.5, 0.999))

    for _ in range(WARMUP):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - t0)


def trainer_loop(steps: int, threads: int, device: str = "cpu", graph: bool = True) -> float:
    """Steps per second of the ``Trainer`` importable from sys.path (this tree's or a baseline's)."""
    from ganviz.training import TrainConfig, Trainer

    if not graph:
        from ganviz.training import cuda_graph

        cuda_graph.blocker = lambda *args: "eager, for comparison"
    t = Trainer(TrainConfig(dataset="ring8", objective="nsgan", g_depth=DEPTH, g_width=WIDTH, d_depth=DEPTH,
                            d_width=WIDTH, batch=BATCH, latent_dim=LATENT, lr_g=LR, lr_d=LR, threads=threads,
                            eval_every=10**9, log_every=10, device=device))
    t.train(WARMUP)
    sync = torch_sync(device)
    sync()
    t0 = time.perf_counter()
    t.train(steps)
    sync()
    return steps / (time.perf_counter() - t0)


def torch_sync(device: str):
    import torch

    return torch.cuda.synchronize if device == "cuda" else (lambda: None)


def _worker(args) -> None:
    import torch

    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)  # as the trainer's process does (claim_process; a baseline's Trainer set it itself)
    rate = (plain_loop(args.steps) if args.worker == "plain"
            else trainer_loop(args.steps, args.threads, args.device, args.graph == "on"))
    print(rate)


def _run(kind: str, tree: Path, steps: int, threads: int, device: str = "cpu", graph: str = "on") -> float:
    out = subprocess.run([sys.executable, __file__, "--worker", kind, "--tree", str(tree), "--steps", str(steps),
                          "--threads", str(threads), "--device", device, "--graph", graph],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def measure(steps: int, blocks: int, baseline: Path | None, cuda: bool = False) -> dict:
    contenders = {"ours_1_thread": ("trainer", ROOT, 1), "ours_2_threads": ("trainer", ROOT, 2),
                  "plain_1_thread": ("plain", ROOT, 1), "plain_2_threads": ("plain", ROOT, 2)}
    if baseline is not None:
        contenders["baseline_1_thread"] = ("trainer", baseline, 1)
    if cuda:
        contenders["ours_cuda_graph"] = ("trainer", ROOT, 1, "cuda", "on")
        contenders["ours_cuda_eager"] = ("trainer", ROOT, 1, "cuda", "off")
    rates: dict[str, list[float]] = {k: [] for k in contenders}
    for _ in range(blocks):
        for name, (kind, tree, threads, *device) in contenders.items():
            rates[name].append(_run(kind, tree, steps, threads, *device))
    med = {k: round(statistics.median(v), 1) for k, v in rates.items()}
    best_plain = max(med["plain_1_thread"], med["plain_2_threads"])
    best_ours = max(med["ours_1_thread"], med["ours_2_threads"])
    out = {"steps_per_s": med, "ours_best_vs_plain_best": round(best_ours / best_plain, 2)}
    if baseline is not None:
        out["ours_vs_baseline_1_thread"] = round(med["ours_1_thread"] / med["baseline_1_thread"], 2)
    if cuda:
        out["cuda_graph_vs_cpu_best"] = round(med["ours_cuda_graph"] / best_ours, 2)
        out["cuda_graph_vs_cuda_eager"] = round(med["ours_cuda_graph"] / med["ours_cuda_eager"], 2)
    return out


def _spin(stop) -> None:
    while not stop.is_set():
        pass


def baseline_tree(rev: str, into: Path) -> Path | None:
    """The ``ganviz`` package of commit ``rev``, unpacked under ``into`` (None if git cannot)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "ganviz"], capture_output=True)
    if archive.returncode:
        print(f"no baseline: git archive {rev} failed: {archive.stderr.decode().strip()}", file=sys.stderr)
        return None
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--blocks", type=int, default=5)
    p.add_argument("--baseline", default=BASELINE, help=f"git revision of the old trainer (default {BASELINE})")
    p.add_argument("--worker", choices=["plain", "trainer"], help=argparse.SUPPRESS)
    p.add_argument("--tree", help=argparse.SUPPRESS)
    p.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument("--device", default="cpu", help=argparse.SUPPRESS)
    p.add_argument("--graph", choices=["on", "off"], default="on", help=argparse.SUPPRESS)
    p.add_argument("--cuda", action="store_true", help="also time the Trainer on CUDA, recorded and eager")
    args = p.parse_args()
    if args.worker:
        sys.path.insert(0, args.tree)
        _worker(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        baseline = baseline_tree(args.baseline, Path(tmp))
        out = {"batch": BATCH, "width": WIDTH, "depth": DEPTH, "baseline": args.baseline if baseline else None,
               "idle": measure(args.steps, args.blocks, baseline, args.cuda)}
        stop = mp.Event()
        spinner = mp.Process(target=_spin, args=(stop,), daemon=True)
        spinner.start()
        try:
            out["one_core_busy"] = measure(args.steps, args.blocks, baseline)
        finally:
            stop.set()
            spinner.join()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
