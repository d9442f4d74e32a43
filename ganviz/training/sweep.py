"""Sweeps: many toy or image runs (a grid of changes times trials) on Ray, written to one results table.

A sweep is a base run (a data set, a step count, config changes) and a grid of changes, each point
run with ``trials`` seeds (0, 1, ...). Runs go to Ray (``ray.init()`` on this machine by default,
an existing cluster by address); each finished run's row is written at once to ``results.csv`` in
the sweep's folder, beside ``spec.json``, the spec that made it. Every run has an id made from what
defines it, so the same command in the same folder resumes: only runs without a row are run. A run
that fails (a bad config, a diverged loss, a worker lost more than ``RETRIES`` times) gets a row
with its reason and the sweep goes on. The table is rewritten whole through a temporary file and a
rename for every row, so it is never half-written and never holds a run twice. An image sweep
(``kind="image"``, digits or stacked digits) trains the image lab's recipes, BEGAN's own for
objective began, and judges every run with the shipped digit classifier (``image_summary``).

Example (the runs of a grid, without training anything):
    >>> spec = SweepSpec(dataset="ring8", steps=100, trials=2, grid={"objective": ["nsgan", "wgan-gp"]})
    >>> [(r.changes["objective"], r.seed) for r in spec.runs()]
    [('nsgan', 0), ('nsgan', 1), ('wgan-gp', 0), ('wgan-gp', 1)]
    >>> len({r.id for r in spec.runs()})
    4
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import itertools
import json
import math
import os
import signal
import threading
import time
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

KINDS = ("toy", "image")
RESULTS = "results.csv"
SPEC = "spec.json"
RETRIES = 2  # a run whose worker process dies is retried this many times by Ray
# Trials of one config train as one batched model from this many on: bench/batched_trials.py measured
# 1.4x at 4 trials and 1.9x at 10 against one after another (one thread), 0.6x at 1.
BATCH_MIN = 4
# The summary columns of a toy run (Trainer.summary), after the run's own columns.
SUMMARY = ["modes_captured", "n_modes", "hq_fraction", "kl_modes", "w1", "js", "seconds", "steps_per_second"]
# An image run's: on digits the digit classifier's verdict on 500 samples (ganviz.metrics.quality.
# judge_generator, as the BEGAN page and gamma-sweep judge), BEGAN's k_t and M_global where it is
# BEGAN; on stacked digits modes of 1,000 and KL to uniform on 26,000 samples (ganviz.metrics.stacked).
DIGIT_SUMMARY = ["quality", "class_entropy", "classes_present", "pairwise_distance", "digit_fid", "digit_fid_floor",
                 "precision", "recall", "density", "coverage", "k_t", "m_global", "seconds", "steps_per_second"]
STACKED_SUMMARY = ["modes", "kl", "seconds", "steps_per_second"]
DIGIT_SAMPLES = 500


@dataclass(frozen=True)
class Run:
    """One training run of a sweep: the changes to the base (grid point and base changes) and a seed."""

    dataset: str
    steps: int
    changes: dict
    seed: int
    kind: str = "toy"

    @property
    def id(self) -> str:
        """A short hash of everything that defines the run (stable across processes and machines)."""
        key = {"dataset": self.dataset, "steps": self.steps, "changes": self.changes, "seed": self.seed}
        if self.kind != "toy":  # a toy run's id leaves the kind out: shipped toy sweeps resume with their rows
            key["kind"] = self.kind
        key = json.dumps(key, sort_keys=True)
        return hashlib.sha1(key.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class SweepSpec:
    """A base run and a grid: ``set`` changes every run, ``grid`` maps a config key (``objective``
    included) to the values to try; every point of the grid runs with seeds 0 .. trials - 1."""

    dataset: str
    steps: int = 2000
    trials: int = 1
    set: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    kind: str = "toy"

    def runs(self) -> list[Run]:
        keys = list(self.grid)
        out = []
        for point in itertools.product(*(self.grid[k] for k in keys)):
            changes = {**self.set, **dict(zip(keys, point))}
            out += [Run(self.dataset, self.steps, changes, seed, self.kind) for seed in range(self.trials)]
        return out

    def validate(self) -> "SweepSpec":
        """Check the spec and that every run's config is allowed; a ValueError names the first bad one."""
        from ganviz.data.images import IMAGE_SETS
        from ganviz.data.toy import DATASETS

        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of: {', '.join(KINDS)}, got {self.kind!r}")
        allowed = DATASETS if self.kind == "toy" else IMAGE_SETS
        if self.dataset not in allowed:
            raise ValueError(f"unknown {self.kind} dataset {self.dataset!r}; choose one of: {', '.join(allowed)}")
        for name in ("steps", "trials"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {v!r}")
        for k, values in self.grid.items():
            if not isinstance(values, list) or not values:
                raise ValueError(f"grid {k} must be a non-empty list of values, got {values!r}")
        for k in ("seed", "total_steps"):
            if k in self.set or k in self.grid:
                raise ValueError(f"{k} is set by the sweep itself (trials and steps): remove it from the spec")
        for run in self.runs():
            try:
                config_of(run)
            except (ValueError, TypeError) as e:
                raise ValueError(f"run {run.changes} is not a valid config: {e}") from None
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "SweepSpec":
        known = {"dataset", "steps", "trials", "set", "grid", "kind"}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown sweep key(s): {', '.join(unknown)}; allowed: {', '.join(sorted(known))}")
        if "dataset" not in d:
            raise ValueError("a sweep needs a dataset (in the spec or --dataset)")
        return cls(**d)

    @classmethod
    def from_file(cls, path: str | Path) -> dict:
        """The keys of a TOML (.toml) or JSON (.json) spec file, as a dict to merge with flags."""
        path = Path(path)
        try:
            text = path.read_bytes()
        except OSError as e:
            raise ValueError(f"cannot read {path}: {e.strerror or e}") from None
        try:
            d = tomllib.loads(text.decode()) if path.suffix == ".toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"{path} is not valid {'TOML' if path.suffix == '.toml' else 'JSON'}: {e}") from None
        if not isinstance(d, dict):
            raise ValueError(f"{path} must hold a table of sweep keys")
        return d


def config_of(run: Run):
    """The TrainConfig of a run: the recipe for its objective (the project's best without one). An
    image run takes the image lab's recipe (``image_recipe``), or BEGAN's own (``began_config``, as
    ``python -m ganviz began`` does) for objective began."""
    from ganviz.training.recipes import image_recipe, recipe

    changes = dict(run.changes)
    objective = changes.pop("objective", None)
    if run.kind == "image":
        if objective == "began":
            from ganviz.training.began import began_config

            return began_config(dataset=run.dataset, seed=run.seed, **changes)
        return image_recipe(run.dataset, objective, seed=run.seed, **changes)
    return recipe(run.dataset, objective, seed=run.seed, steps=run.steps, **changes)


def train_run(run: Run) -> dict:
    """Train one run and return its row (``status`` "done", or "failed" with its ``reason``).
    Runs in a Ray worker: one torch thread, like every trainer."""
    from ganviz.training.checkpoint import CheckpointError
    from ganviz.training.trainer import Trainer, TrainingDiverged, claim_process

    claim_process(1)
    row = {"run_id": run.id, "seed": run.seed, **{k: _cell(v) for k, v in run.changes.items()}}
    try:
        trainer = Trainer(config_of(run))
        trainer.train(run.steps)
        summary, columns = (image_summary(trainer), IMAGE_COLUMNS[run.dataset]) if run.kind == "image" else (
            trainer.summary(), SUMMARY)
    except (ValueError, TypeError, TrainingDiverged, CheckpointError) as e:
        return {**row, "status": "failed", "reason": str(e)}
    # The grid's name for the objective stays; without one (or null) the run used the best recipe.
    objective = run.changes.get("objective") or f"{summary['objective']} (best recipe)"
    return {**row, "status": "done", "reason": "", "objective": objective, **{k: summary.get(k) for k in columns}}


IMAGE_COLUMNS = {"digits": DIGIT_SUMMARY, "stacked": STACKED_SUMMARY}


def image_summary(trainer) -> dict:
    """An image run's numbers (``DIGIT_SUMMARY`` or ``STACKED_SUMMARY``), judged by the shipped digit
    classifier; raises CheckpointError when it is missing or unreadable."""
    from ganviz.metrics.quality import judge_generator
    from ganviz.metrics.stacked import generator_coverage

    classifier = _classifier()
    c = trainer.config
    out = {"objective": c.objective, "seconds": round(trainer.train_seconds, 2),
           "steps_per_second": round(trainer.step_count / trainer.train_seconds, 2) if trainer.train_seconds else 0.0}
    if c.dataset == "stacked":
        r = generator_coverage(trainer.sample, classifier)
        return {**out, "modes": r.modes_captured, "kl": round(r.kl_to_uniform, 4)}
    out.update(judge_generator(trainer, classifier, DIGIT_SAMPLES))
    if c.objective == "began":
        out.update(k_t=trainer.objective.k_t, m_global=trainer.objective.m_global)
    return out


@functools.cache
def _classifier():
    from ganviz.training.classifier import load_classifier
    from ganviz.training.shipped import classifier_path

    return load_classifier(classifier_path())


def train_group(runs: list[Run]) -> list[dict]:
    """The rows of several trials of one config (same changes, other seeds), trained as one batched
    model where ``ganviz.training.batched`` supports the config, else one after another."""
    from ganviz.training.batched import supports, train_trials
    from ganviz.training.trainer import claim_process

    claim_process(1)
    try:
        config = config_of(runs[0])
    except (ValueError, TypeError):
        config = None
    if config is None or runs[0].kind != "toy" or len(runs) < BATCH_MIN or supports(config) is not None:
        return [train_run(r) for r in runs]
    out = []
    for run, summary in zip(runs, train_trials(config, [r.seed for r in runs], runs[0].steps)):
        row = {"run_id": run.id, "seed": run.seed, **{k: _cell(v) for k, v in run.changes.items()}}
        if summary.get("error"):
            out.append({**row, "status": "failed", "reason": summary["error"]})
            continue
        objective = run.changes.get("objective") or f"{summary['objective']} (best recipe)"
        out.append({**row, "status": "done", "reason": "", "objective": objective, "batched_trials": len(runs),
                    **{k: summary.get(k) for k in SUMMARY}})
    return out


def groups_of(runs: list[Run], batch: bool, workers: int = 1) -> list[list[Run]]:
    """The tasks of a sweep: with ``batch``, the trials of each grid point together (in grid order),
    split so that a point's trials keep ``workers`` busy while each part has at least ``BATCH_MIN``
    trials (10 trials on 2 workers: two tasks of 5); else one run per task.

    Example:
        >>> runs = SweepSpec(dataset="ring8", trials=10).runs()
        >>> [len(g) for g in groups_of(runs, True, workers=2)], [len(g) for g in groups_of(runs, True, workers=4)]
        ([5, 5], [4, 4, 2])
    """
    if not batch:
        return [[r] for r in runs]
    points: dict[str, list[Run]] = {}
    for r in runs:
        points.setdefault(json.dumps([r.dataset, r.steps, r.changes], sort_keys=True), []).append(r)
    out = []
    for trials in points.values():
        size = max(BATCH_MIN, math.ceil(len(trials) / max(workers, 1)))
        out += [trials[i:i + size] for i in range(0, len(trials), size)]
    return out


def _cell(v):
    return json.dumps(v) if isinstance(v, (list, dict)) else v


class ResultsTable:
    """``results.csv`` in a sweep's folder: one row per finished run, keyed by run id."""

    def __init__(self, folder: str | Path):
        self.path = Path(folder) / RESULTS
        self.rows: dict[str, dict] = {}
        if self.path.exists():
            with open(self.path, newline="") as f:
                self.rows = {r["run_id"]: r for r in csv.DictReader(f)}

    def add(self, row: dict) -> None:
        self.rows[row["run_id"]] = row
        columns = ["run_id", "status"]
        for r in self.rows.values():
            columns += [k for k in r if k not in columns and k != "reason"]
        columns.append("reason")
        buf = io.StringIO()
        w = csv.DictWriter(buf, columns, restval="")
        w.writeheader()
        w.writerows(self.rows.values())
        write_atomic(self.path, buf.getvalue().encode())


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def prepare(spec: SweepSpec, folder: str | Path) -> tuple[list[Run], ResultsTable]:
    """Create or reopen the sweep's folder: the runs still to do and the table. A folder that holds
    another spec's results is refused (its rows would mix with these); the same spec with more
    trials extends it (a run's id does not hold the trial count, so the finished seeds are kept)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    spec_path = folder / SPEC
    text = json.dumps(spec.to_dict(), indent=2, sort_keys=True) + "\n"
    if spec_path.exists():
        try:
            old = json.loads(spec_path.read_text())
        except (OSError, ValueError):
            old = None
        new = json.loads(text)
        same_but_trials = isinstance(old, dict) and {**old, "trials": new["trials"]} == new
        if not same_but_trials:
            raise ValueError(f"{folder} holds the results of another sweep ({spec_path}): give a new --out, "
                             "or the same spec to resume it")
        if new["trials"] < old["trials"]:
            raise ValueError(f"{folder} holds a sweep of {old['trials']} trials: give --trials {old['trials']} "
                             "or more to resume or extend it, or a new --out")
        if new["trials"] > old["trials"]:
            write_atomic(spec_path, text.encode())
    else:
        write_atomic(spec_path, text.encode())
    table = ResultsTable(folder)
    return [r for r in spec.runs() if r.id not in table.rows], table


@dataclass
class Progress:
    """What a sweep has done so far (for the progress line)."""

    total: int
    done: int = 0
    failed: int = 0
    running: int = 0
    started: float = field(default_factory=time.perf_counter)
    finished_here: int = 0  # runs finished by this process (the ETA's rate)

    def line(self) -> str:
        left = self.total - self.done - self.failed
        elapsed = time.perf_counter() - self.started
        eta = _clock(left * elapsed / self.finished_here) if self.finished_here else "?"
        return (f"runs {self.done + self.failed}/{self.total} · done {self.done} · running {self.running} · "
                f"failed {self.failed} · ETA {eta if left else '0:00'}")


def _clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    m, s = divmod(int(seconds), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m}:{s:02d}"


def run_sweep(spec: SweepSpec, folder: str | Path, address: str | None = None, max_parallel: int | None = None,
              report: Callable[[Progress], None] | None = None, batch: bool = True) -> list[str]:
    """Run the sweep's unfinished runs on Ray, each row written when its task ends; returns the ids
    of the runs run here. ``address``: an existing Ray cluster ("HOST:PORT" or "auto"); default a
    Ray started on this machine. At most ``max_parallel`` tasks at once (default: Ray's CPUs). With
    ``batch`` the unfinished trials of each grid point are one task (``train_group``)."""
    import ray

    todo, table = prepare(spec.validate(), folder)
    progress = Progress(total=len(spec.runs()))
    progress.done = sum(r["status"] == "done" for r in table.rows.values())
    progress.failed = len(table.rows) - progress.done
    if not todo:
        if report:
            report(progress)
        return []
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, num_cpus=None if address else max_parallel, include_dashboard=False,
                 log_to_driver=False, configure_logging=False,
                 runtime_env={"env_vars": {"OMP_NUM_THREADS": "1"}} if address is None else None)
    # Ctrl-C sets a flag the loop reads: a SIGINT that lands inside Ray's own calls (a task's
    # submission) can be consumed there, and a raised KeyboardInterrupt would be lost with it.
    interrupted: list[int] = []
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(1)) if on_main else None
    limit = max_parallel or max(1, int(ray.available_resources().get("CPU", 1)))
    task = ray.remote(num_cpus=1, max_retries=RETRIES)(train_group)
    # Image runs are one per task: nothing batches them, and each row is written as it ends.
    queue, flying, ran = groups_of(todo, batch and spec.kind == "toy", limit), {}, []
    try:
        while queue or flying:
            if interrupted:
                raise KeyboardInterrupt
            while queue and len(flying) < limit:
                group = queue.pop(0)
                flying[task.remote(group)] = group
            progress.running = sum(len(g) for g in flying.values())
            if report:
                report(progress)
            ready, _ = ray.wait(list(flying), num_returns=1, timeout=1.0)  # the flag is read every second
            if not ready:
                continue
            group = flying.pop(ready[0])
            try:
                rows = ray.get(ready[0])
            except (ray.exceptions.RayError, OSError) as e:
                reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                rows = [{"run_id": run.id, "seed": run.seed, **{k: _cell(v) for k, v in run.changes.items()},
                         "status": "failed", "reason": f"worker lost ({RETRIES} retries): {reason}"} for run in group]
            for row in rows:
                table.add(row)
                ran.append(row["run_id"])
                progress.finished_here += 1
                progress.done += row["status"] == "done"
                progress.failed += row["status"] != "done"
        progress.running = 0
        if report:
            report(progress)
    finally:
        if on_main:
            signal.signal(signal.SIGINT, previous)
        for ref in flying:
            ray.cancel(ref, force=True)
        if started_here:
            ray.shutdown()
    return ran
