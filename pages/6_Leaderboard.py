"""Leaderboard: mode coverage of every objective, measured by our own sweeps, beside the papers."""

import streamlit as st

st.set_page_config(page_title="ganviz · Leaderboard", layout="wide")

from ganviz.metrics.leaderboard import mode_table, published, read_sweep, sweep_command  # noqa: E402
from ganviz.plots.leaderboard import bar_figure  # noqa: E402
from ganviz.training.shipped import checkpoint_dir  # noqa: E402
from ganviz.ui.common import page_frame, try_this  # noqa: E402
from ganviz.ui.scene import Param, Scene, choice, png_config  # noqa: E402

DATASETS = {"ring8": 8, "grid25": 25}

page_frame(
    "Leaderboard",
    "Which objective covers the modes? Each bar is one objective of the toy lab trained by "
    "`python -m ganviz sweep` with its paper's optimiser settings, several seeds each, and judged by "
    "the protocol of VEEGAN and PacGAN: 2,500 samples, a sample is **high quality** (HQ) within 3σ of "
    "its nearest mode, a mode is **captured** when an HQ sample is nearest to it. Grey bars are the "
    "papers' own numbers (their networks and step counts, not ours): read them as a scale, not a race.",
)
SCENE = Scene("leaderboard", {"dataset": Param("lb_dataset", "ring8", choice(DATASETS))}, groups=("table",))
SCENE.start()
SCENE.sidebar()
SCENE.show_notes()
dataset = st.radio("Data set", list(DATASETS), key="lb_dataset", horizontal=True,
                   format_func=lambda d: f"{d} ({DATASETS[d]} modes)")
SCENE.write()

folder = checkpoint_dir() / "sweeps" / f"modes_{dataset}"
try:
    spec, rows = read_sweep(folder)
except (OSError, ValueError) as e:
    st.info(f"No sweep of {dataset} is shipped yet ({type(e).__name__}). Make one with "
            f"`python -m ganviz sweep --dataset {dataset} --grid objective=null,nsgan,wgan-gp --trials 10 "
            f"--out checkpoints/sweeps/modes_{dataset}`.")
    st.stop()

ours = mode_table(rows)
theirs = published(dataset)
st.markdown(f"**{dataset}**: {spec['trials']} trials of {spec['steps']:,} steps per objective (ours).")
left, right = st.columns(2)
left.plotly_chart(SCENE.fit(bar_figure(ours, theirs, "modes", DATASETS[dataset], "modes captured",
                                       "Modes captured")),
                  key="lb_fig_modes", width="stretch", config=png_config(f"ganviz_leaderboard_modes_{dataset}"))
right.plotly_chart(SCENE.fit(bar_figure(ours, theirs, "hq", 100, "high-quality samples (%)",
                                        "Samples within 3σ of a mode", scale=100)),
                   key="lb_fig_hq", width="stretch", config=png_config(f"ganviz_leaderboard_hq_{dataset}"))

with SCENE.group("table", "Table"):
    table = [{"objective or method": r["objective"], "modes (mean)": round(r["modes"], 2) if r["trials"] else None,
              "± se": round(r["modes_se"], 2) if r["trials"] else None,
              "HQ % (mean)": round(100 * r["hq"], 1) if r["trials"] else None,
              "HQ ± se": round(100 * r["hq_se"], 1) if r["trials"] else None,
              "KL to uniform": round(r["kl"], 3) if r["trials"] else None,
              "trials": r["trials"], "failed": r["failed"], "steps": spec["steps"],
              "seconds (all trials)": round(r["seconds"]) if r["trials"] else None, "source": "this sweep"}
             for r in ours]
    table += [{"objective or method": p["method"], "modes (mean)": p["modes"], "HQ % (mean)": round(100 * p["hq"], 1),
               "source": p["source"]} for p in published(dataset)]
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"Made by `{sweep_command(spec, f'checkpoints/sweeps/modes_{dataset}')}` "
               f"({len(rows)} runs). \"best recipe\" is the toy lab's default: NSGAN with R1, an EMA of G and "
               "lr annealing (`ganviz/training/recipes.py`). A failed run (diverged) is left out of the means "
               "and counted in *failed*.")

try_this([
    "Open the toy lab's preset *NSGAN drops modes on ring8* and compare with this page's NSGAN bar.",
    "Switch to grid25: 25 modes at a 40x larger scale than their spread (σ = 0.05).",
    "Run your own: `python -m ganviz sweep --dataset ring8 --grid objective=nsgan,hinge --trials 5 --out my_sweep` "
    "(Ctrl-C and the same command resumes it).",
])
