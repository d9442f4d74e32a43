"""Leaderboard: tables nobody else computes, measured by our own sweeps, beside the papers."""

import math

import streamlit as st

st.set_page_config(page_title="ganviz · Leaderboard", layout="wide")

from ganviz.metrics import leaderboard as lb  # noqa: E402
from ganviz.metrics.stacked import SAMPLES, perfect  # noqa: E402
from ganviz.plots.leaderboard import bar_figure, gamma_figure  # noqa: E402
from ganviz.training.shipped import checkpoint_dir  # noqa: E402
from ganviz.ui.common import page_frame, try_this  # noqa: E402
from ganviz.ui.scene import Param, Scene, choice, png_config  # noqa: E402

DATASETS = {"ring8": 8, "grid25": 25}
BOARDS = {"modes": "Mode coverage (toy)", "gamma": "BEGAN's γ curve", "stacked": "Stacked digits (1,000 modes)",
          "yours": "Open your sweep"}
FOLDERS = {"gamma": "began_gamma", "stacked": "stacked"}
MAKE = {  # the command that makes a missing shipped sweep
    "gamma": "python -m ganviz sweep --kind image --dataset digits --set objective=began --set latent_dim=16 "
             "--set ae_code=16 --set g_width=16 --set d_width=16 --set lr_g=5e-05 --set lr_d=5e-05 "
             "--set began_lambda_k=0.01 --set shift=2 --grid began_gamma=0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9 "
             "--trials 3 --steps 2000 --out checkpoints/sweeps/began_gamma",
    "stacked": "python -m ganviz sweep --kind image --dataset stacked --grid objective=null,wgan-gp,hinge "
               "--trials 3 --steps 2000 --out checkpoints/sweeps/stacked",
}

# What the shipped gamma sweep shows (tests/test_page_leaderboard.py checks each number against its results).
GAMMA_SAYS = ("At γ ≤ 0.3 every run collapses onto one or two digits (precision and recall 0). From γ = 0.5 up, "
              "recall climbs at every step of γ (0.004 at 0.5, 0.28 at 0.9) and the classes present go from 7 to 10, "
              "while precision is highest at γ = 0.5 (0.39) and lowest at 0.9 (0.25): a higher γ buys diversity "
              "with quality, the trade-off BEGAN's paper shows in sample grids, here measured.")
# What the shipped stacked sweep shows (tests/test_page_leaderboard.py checks each number against its results).
STACKED_SAYS = ("Every objective reaches more than 990 of the 1,000 modes (DCGAN reached 99 in VEEGAN's table), "
                "but none draws them evenly: KL to uniform 0.25 for hinge with spectral norm, 0.32 for WGAN-GP and "
                "0.35 for our default, against PacDCGAN2's 0.06 and the 0.02 that 26,000 real stacked digits score "
                "with our classifier.")

page_frame(
    "Leaderboard",
    "Tables nobody else computes, each made by `python -m ganviz sweep` (runs on Ray, locally or on a "
    "cluster) and shipped with the command that made it. **Mode coverage**: every objective of the toy lab "
    "with its paper's optimiser settings, several seeds each, judged by the protocol of VEEGAN and PacGAN "
    "(2,500 samples; a sample is **high quality** (HQ) within 3σ of its nearest mode, a mode is **captured** "
    "when an HQ sample is nearest to it). **BEGAN's γ**: the diversity ratio against what our digit "
    "classifier measures of the samples — the paper shows only sample grids. **Stacked digits**: three digits "
    "as three channels, 1,000 modes. Grey bars are the papers' own numbers (their networks and step counts, "
    "not ours): read them as a scale, not a race.",
)
SCENE = Scene("leaderboard", {"board": Param("lb_board", "modes", choice(BOARDS)),
                              "dataset": Param("lb_dataset", "ring8", choice(DATASETS))}, groups=("table",))
SCENE.start()
SCENE.sidebar()
SCENE.show_notes()
board = st.radio("Table", list(BOARDS), key="lb_board", horizontal=True, format_func=BOARDS.get)
if board == "modes":
    dataset = st.radio("Data set", list(DATASETS), key="lb_dataset", horizontal=True,
                       format_func=lambda d: f"{d} ({DATASETS[d]} modes)")
SCENE.write()


def _trials(table: list[dict], spec: dict) -> str:
    """"10 trials", or "3–10 trials" while a sweep is being extended (the table's trials column)."""
    counts = [r["trials"] for r in table if r["trials"]] or [spec.get("trials", 0)]
    lo, hi = min(counts), max(counts)
    return f"{hi} trials" if lo == hi else f"{lo}–{hi} trials (see the table)"


def _r(v, places: int):
    return round(v, places) if isinstance(v, float) and math.isfinite(v) else None


def modes_view(spec: dict, rows: list[dict], dataset: str, made_by: str) -> None:
    ours = lb.mode_table(rows)
    theirs = lb.published(dataset) if dataset in DATASETS else []
    top = DATASETS.get(dataset) or max((float(r.get("n_modes") or 0) for r in rows), default=1.0)
    st.markdown(f"**{dataset}**: {_trials(ours, spec)} of {spec.get('steps', 0):,} steps per objective (ours).")
    left, right = st.columns(2)
    left.plotly_chart(SCENE.fit(bar_figure(ours, theirs, "modes", top, "modes captured", "Modes captured")),
                      key="lb_fig_modes", width="stretch", config=png_config(f"ganviz_leaderboard_modes_{dataset}"))
    right.plotly_chart(SCENE.fit(bar_figure(ours, theirs, "hq", 100, "high-quality samples (%)",
                                            "Samples within 3σ of a mode", scale=100)),
                       key="lb_fig_hq", width="stretch", config=png_config(f"ganviz_leaderboard_hq_{dataset}"))
    with SCENE.group("table", "Table"):
        table = [{"objective or method": r["objective"], "modes (mean)": _r(r["modes"], 2), "± se": _r(r["modes_se"], 2),
                  "HQ % (mean)": _r(100 * r["hq"], 1), "HQ ± se": _r(100 * r["hq_se"], 1),
                  "KL to uniform": _r(r["kl"], 3), "trials": r["trials"], "failed": r["failed"],
                  "steps": spec.get("steps"), "seconds (all trials)": _r(r["seconds"], 0), "source": "this sweep"}
                 for r in ours]
        table += [{"objective or method": p["method"], "modes (mean)": p["modes"], "HQ % (mean)": round(100 * p["hq"], 1),
                   "source": p["source"]} for p in theirs]
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(f"Made by `{made_by}` ({len(rows)} runs). \"best recipe\" is the toy lab's default: NSGAN with "
                   "R1, an EMA of G and lr annealing (`ganviz/training/recipes.py`). A failed run (diverged) is left "
                   "out of the means and counted in *failed*.")


def gamma_view(spec: dict, rows: list[dict], made_by: str) -> None:
    table = lb.gamma_table(rows)
    st.markdown(f"BEGAN on 16×16 digits: {_trials(table, spec).replace('trials', 'seeds')} of "
                f"{spec.get('steps', 0):,} steps per γ; "
                "500 samples of each run judged by our digit classifier.")
    if made_by.startswith("python -m ganviz sweep checkpoints/sweeps/began_gamma/"):  # the shipped sweep's story
        st.info(GAMMA_SAYS)
    st.plotly_chart(SCENE.fit(gamma_figure(table)), key="lb_fig_gamma", width="stretch",
                    config=png_config("ganviz_leaderboard_gamma"))
    with SCENE.group("table", "Table"):
        cols = [("quality", "confidence", 3), ("precision", "precision", 3), ("recall", "recall", 3),
                ("density", "density", 3), ("coverage", "coverage", 3), ("class_entropy", "class entropy", 3),
                ("classes_present", "classes", 1), ("digit_fid", "digit FID", 0), ("k_t", "k_t (end)", 4)]
        shown = []
        for r in table:
            entry = {"γ": r["gamma"]}
            for key, name, places in cols:
                entry[name], entry[f"{name} ± se"] = _r(r[key], places), _r(r[key + "_se"], places)
            shown.append({**entry, "seeds": r["trials"], "failed": r["failed"], "seconds": _r(r["seconds"], 0)})
        st.dataframe(shown, hide_index=True, width="stretch")
        floor = next((r["digit_fid_floor"] for r in table if math.isfinite(r["digit_fid_floor"])), math.nan)
        st.caption(f"Made by `{made_by}` ({len(rows)} runs). Digit FID is the Fréchet distance on our classifier's "
                   f"features, not Inception FID; 500 real digits against the other 898 give {floor:.0f}, the floor.")


def stacked_view(spec: dict, rows: list[dict], made_by: str) -> None:
    ours = lb.stacked_table(rows)
    theirs = lb.published_stacked()
    st.markdown(f"Stacked digits: {_trials(ours, spec)} of {spec.get('steps', 0):,} steps per objective; "
                "26,000 samples of each run, each channel read by our digit classifier.")
    if made_by.startswith("python -m ganviz sweep checkpoints/sweeps/stacked/"):  # the shipped sweep's measured story
        st.info(STACKED_SAYS)
    left, right = st.columns(2)
    left.plotly_chart(SCENE.fit(bar_figure(ours, theirs, "modes", 1000, "modes captured (of 1,000)", "Modes captured")),
                      key="lb_fig_stacked_modes", width="stretch", config=png_config("ganviz_leaderboard_stacked_modes"))
    top = max([r["kl"] for r in ours if r["trials"] and math.isfinite(r["kl"])] + [p["kl"] or 0 for p in theirs])
    floor = perfect(SAMPLES)["kl"]
    right.plotly_chart(SCENE.fit(bar_figure(ours, theirs, "kl", top, "KL(modes ‖ uniform)",
                                            f"KL to uniform (dotted: a perfect generator, {floor:.3f})", line=floor)),
                       key="lb_fig_stacked_kl", width="stretch", config=png_config("ganviz_leaderboard_stacked_kl"))
    with SCENE.group("table", "Table"):
        table = [{"objective or method": r["objective"], "modes (mean)": _r(r["modes"], 1), "± se": _r(r["modes_se"], 1),
                  "KL (mean)": _r(r["kl"], 3), "KL ± se": _r(r["kl_se"], 3), "trials": r["trials"], "failed": r["failed"],
                  "steps": spec.get("steps"), "seconds (all trials)": _r(r["seconds"], 0), "source": "this sweep"}
                 for r in ours]
        table += [{"objective or method": p["method"], "modes (mean)": p["modes"], "KL (mean)": p["kl"],
                   "source": p["source"]} for p in theirs]
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(f"Made by `{made_by}` ({len(rows)} runs).")


def any_view(rows: list[dict]) -> None:
    settings, measures = lb.settings_and_measures(list(rows[0]))
    table = lb.summarise(rows, settings, measures)
    st.dataframe([{**{k: r[k] for k in settings}, **{f"{m}{s}": _r(r[m + s], 4) for m in measures for s in ("", "_se")},
                   "trials": r["trials"], "failed": r["failed"]} for r in table], hide_index=True, width="stretch")
    st.caption(f"{len(rows)} runs; one row per setting, each measure's mean and standard error (_se) over its trials.")


def show(spec: dict, rows: list[dict], made_by: str) -> None:
    """The view that fits the table's columns."""
    columns = set(rows[0])
    if "modes_captured" in columns:
        modes_view(spec, rows, spec.get("dataset", "?"), made_by)
    elif "began_gamma" in columns and "quality" in columns:
        gamma_view(spec, rows, made_by)
    elif {"modes", "kl"} <= columns:
        stacked_view(spec, rows, made_by)
    else:
        any_view(rows)


if board == "yours":
    st.markdown("Open a sweep you ran: the `results.csv` that `python -m ganviz sweep --out DIR` wrote in DIR, "
                "and its `spec.json` beside it (read here, in this session only; nothing is stored).")
    files = st.file_uploader("results.csv and spec.json", type=["csv", "json"], accept_multiple_files=True,
                             key="lb_upload")
    csvs = [f for f in files or [] if f.name.lower().endswith(".csv")]
    specs = [f for f in files or [] if f.name.lower().endswith(".json")]
    if not csvs:
        st.info("No results.csv yet: drop one here (its spec.json too, for the step and trial counts).")
        st.stop()
    try:
        rows = lb.parse_results(csvs[0].getvalue())
    except ValueError as e:
        st.error(f"{csvs[0].name}: {e}. Nothing was opened.")
        st.stop()
    try:
        spec = lb.parse_spec(specs[0].getvalue()) if specs else {}
    except ValueError as e:
        st.error(f"{specs[0].name}: {e}. The table is shown without it.")
        spec = {}
    show(spec, rows, f"python -m ganviz sweep ... --out DIR (your {csvs[0].name})")
else:
    name = f"modes_{dataset}" if board == "modes" else FOLDERS[board]
    folder = checkpoint_dir() / "sweeps" / name
    try:
        spec, rows = lb.read_sweep(folder)
    except (OSError, ValueError) as e:
        make = MAKE.get(board) or (f"python -m ganviz sweep --dataset {dataset} --grid objective=null,nsgan,wgan-gp "
                                   f"--trials 10 --out checkpoints/sweeps/modes_{dataset}")
        st.info(f"No sweep {name} is shipped yet ({type(e).__name__}). Make one with `{make}`.")
        st.stop()
    show(spec, rows, lb.sweep_command(spec, f"checkpoints/sweeps/{name}"))

try_this([
    "Open the toy lab's preset *NSGAN drops modes on ring8* and compare with this page's NSGAN bar.",
    "Switch to grid25: 25 modes at a 40x larger scale than their spread (σ = 0.05).",
    "Run your own: `python -m ganviz sweep --dataset ring8 --grid objective=nsgan,hinge --trials 5 --out my_sweep` "
    "(Ctrl-C and the same command resumes it), then open its results.csv here.",
])
