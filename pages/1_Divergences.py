"""Divergences: why the Wasserstein distance replaced JS. Widgets -> ganviz calls -> figures."""

import math

import streamlit as st

st.set_page_config(page_title="Divergences · ganviz", layout="wide")

import pandas as pd  # noqa: E402
import torch  # noqa: E402

from ganviz.data import transport_examples as ex  # noqa: E402
from ganviz.data.toy import DATASETS_1D, DATASETS_2D, ParallelLines, get_dataset  # noqa: E402
from ganviz.metrics import divergence as dv  # noqa: E402
from ganviz.metrics import transport as tr  # noqa: E402
from ganviz.plots import divergence as pdv  # noqa: E402
from ganviz.plots import objectives as pob  # noqa: E402
from ganviz.ui import tour  # noqa: E402
from ganviz.ui.common import download, page_frame, try_this  # noqa: E402
from ganviz.ui.scene import Param, Scene, choice, number, png_config  # noqa: E402

torch.set_num_threads(1)

SAMPLE_SIZES = [50, 100, 200, 500, 1000, 2000, 5000]
SHIFTS = [round(-6 + 0.25 * k, 2) for k in range(49)]  # the sweep behind the "against the shift" chart
REGS = [0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
SECTIONS = ["1D: JS vs W1", "Parallel lines", "Moving plans", "2D plans", "Objectives"]
PLAN_KINDS = ["optimal (POT)", "north-west corner rule", "north-east corner rule", "edit cells"]
PLANS_2D = ["exact (EMD)", "Sinkhorn"]
N_2D = [50, 100, 200, 500, 1000, 2000]
KEEP = "page"  # a widget keeps its value while its tab is closed, for as long as the user stays on this page
# The scene in the URL: {parameter: (widget key, default, parser)}; the widgets take their defaults from here.
SCENE = Scene("divergences", {
    "section": Param("section", SECTIONS[0], choice(SECTIONS)),
    "p": Param("p1d", list(DATASETS_1D)[0], choice(DATASETS_1D)),
    "q": Param("q1d", list(DATASETS_1D)[0], choice(DATASETS_1D)),
    "shift": Param("shift1d", 1.0, number(-6.0, 6.0, step=0.25)),
    "scale": Param("scale1d", 1.0, number(0.25, 4.0, step=0.05)),
    "n": Param("n1d", 500, choice(SAMPLE_SIZES)),
    "seed": Param("seed1d", 0, number(0, 999, integer=True)),
    "theta": Param("theta", 0.5, number(-1.0, 1.0, step=0.05)),
    "n_lines": Param("n_lines", 500, choice(SAMPLE_SIZES[:5])),
    "example": Param("plan_example", list(ex.EXAMPLES)[0], choice(ex.EXAMPLES)),
    "plan": Param("plan_kind", PLAN_KINDS[0], choice(PLAN_KINDS)),
    "p2": Param("p2d", list(DATASETS_2D)[0], choice(DATASETS_2D)),
    "q2": Param("q2d", "two_moons", choice(DATASETS_2D)),
    "shift2": Param("shift2d", 0.0, number(-3.0, 3.0, step=0.1)),
    "n2": Param("n2d", 200, choice(N_2D)),
    "plan2": Param("plan2d", PLANS_2D[0], choice(PLANS_2D)),
    "reg": Param("reg", 0.05, choice(REGS)),
}, groups=("controls", "export"))
ESTIMATOR_NOTE = ("Estimates from n samples of each (approximations): JS and TV from histograms with 20 bins "
                  "per axis on one shared grid, KL by the 1-nearest-neighbour estimator (Wang, Kulkarni & "
                  "Verdú 2009), W1 between the two empirical distributions. **Noise floor** = what the same "
                  "estimator reports between two independent samples of P, where the truth is 0 (the 1-NN KL "
                  "estimate is asymptotically unbiased but noisy: its floor can read below 0; its size is what counts).")


# --- cached pure computations (each keyed by its plain arguments) --------------------------------
@st.cache_data(max_entries=256, show_spinner=False)
def exact_1d(p_name, q_name, shift, scale):
    return dv.exact_1d(get_dataset(p_name), dv.affine_1d(get_dataset(q_name), shift, scale))


@st.cache_data(max_entries=64, show_spinner=False)
def sweep_1d(p_name, q_name, scale):
    return dv.measures_vs_shift(get_dataset(p_name), get_dataset(q_name), SHIFTS, scale)


@st.cache_data(max_entries=256, show_spinner=False)
def estimates_1d(p_name, q_name, shift, scale, n, seed):
    p, q = get_dataset(p_name), dv.affine_1d(get_dataset(q_name), shift, scale)
    est, floor = dv.estimate_with_floor(p, q, n, seed)
    x, y, _ = dv.estimation_samples(p, q, n, seed)  # draw the samples the estimates saw
    return est, floor, x.numpy(), y.numpy()


@st.cache_data(max_entries=128, show_spinner=False)
def estimates_lines(theta, n):
    p, q = ParallelLines("P_0", 2, 0.0), ParallelLines("P_theta", 2, theta)
    est, floor = dv.estimate_with_floor(p, q, n)
    x, y, _ = dv.estimation_samples(p, q, n)
    return est, floor, x.numpy(), y.numpy()


@st.cache_data(show_spinner=False)
def lines_curve():
    return dv.parallel_lines_curve([round(-1 + 0.01 * k, 2) for k in range(201)])


@st.cache_data(max_entries=64, show_spinner=False)
def transport_2d(p_name, q_name, n, shift, reg):
    x, y = ex.clouds_2d(p_name, q_name, n, shift)
    return x, y, tr.transport_2d(x, y, reg)


@st.cache_data(show_spinner=False)
def objective_curves():
    return pob.saturation_curves(), pob.fgan_curves(), pob.critic_loss_curves()


def fmt(v: float) -> str:
    return "∞" if v == math.inf else f"{v:.4f}"


def measures_table(exact: dict, est: dict, floor: dict, n: int) -> pd.DataFrame:
    return pd.DataFrame({"measure": [pdv.LABELS[k] for k in dv.MEASURES],
                         "exact": [fmt(exact[k]) for k in dv.MEASURES],
                         f"estimate (n = {n})": [fmt(est[k]) for k in dv.MEASURES],
                         "noise floor": [fmt(floor[k]) for k in dv.MEASURES],
                         "largest possible": [BOUNDS.get(k, "∞") for k in dv.MEASURES]}).set_index("measure")


# The definitions beside the figures (Arjovsky, Chintala & Bottou 2017, Sec. 2; Villani 2008, Thm 5.10).
FORMULAS = [
    r"\mathrm{JS}(P, Q) = \tfrac12 \mathrm{KL}(P \,\|\, M) + \tfrac12 \mathrm{KL}(Q \,\|\, M),\quad M = \tfrac12 (P + Q)",
    r"\mathrm{KL}(P \,\|\, Q) = \int p(x) \log \frac{p(x)}{q(x)} \, dx",
    r"\mathrm{TV}(P, Q) = \sup_{A} |P(A) - Q(A)| = \tfrac12 \int |p(x) - q(x)| \, dx",
    r"W_1(P, Q) = \inf_{\gamma \in \Pi(P, Q)} \mathbb{E}_{(x, y) \sim \gamma} \|x - y\| \;\overset{1D}{=}\; \int |F_P(x) - F_Q(x)| \, dx",
    r"W_1(P, Q) = \sup_{\|f\|_L \le 1} \mathbb{E}_{x \sim P}[f(x)] - \mathbb{E}_{x \sim Q}[f(x)] \quad \text{(Kantorovich–Rubinstein)}",
]
BOUNDS = {"js": "log 2 = 0.693", "tv": "1"}  # JS <= log 2 and TV <= 1, equal for disjoint supports


page_frame(
    "Divergences",
    "Slide Q away from P and watch **JS stop at log 2** (and KL jump to infinity) as soon as the "
    "supports separate, while the **Earth Mover's distance W1 keeps growing** with the distance: "
    "W1 still tells a generator which way to move, JS does not. Exact values sit beside estimates "
    "from samples, whose noise floor says how far to trust them.",
)
SCENE.start()
with st.sidebar:
    tour.next_scene_link("pages/1_Divergences.py")
present = SCENE.sidebar()
SCENE.show_notes()
fit = SCENE.fit
# Lazy tabs: only the open section runs, so a slider redraws one section, not five. A closed tab's
# widgets are not drawn, and Streamlit drops the state of a widget a run does not draw: every scene
# widget is drawn with persist_state=KEEP so its value waits under its key while its tab is closed
# (otherwise Scene.start() fills the default back in and write() drops it from the URL).
tab_1d, tab_lines, tab_plans, tab_2d, tab_obj = st.tabs(SECTIONS, key="section", on_change="rerun")

# --- 1. 1D ---------------------------------------------------------------------------------------
if tab_1d.open:
    with tab_1d:
        with SCENE.group("controls", "P, Q and the samples"):
            c = st.columns([2, 2, 3, 3, 3, 1])
            p_name = c[0].selectbox("P", list(DATASETS_1D), key="p1d", persist_state=KEEP)
            q_name = c[1].selectbox("Q (before moving)", list(DATASETS_1D), key="q1d", persist_state=KEEP)
            shift = c[2].slider("shift of Q", -6.0, 6.0, step=0.25, key="shift1d", persist_state=KEEP)
            scale = c[3].slider("scale of Q", 0.25, 4.0, step=0.05, key="scale1d", persist_state=KEEP)
            n = c[4].select_slider("samples n", SAMPLE_SIZES, key="n1d", persist_state=KEEP)
            seed = c[5].number_input("seed", 0, 999, key="seed1d", persist_state=KEEP, help="draw other samples")
        exact = exact_1d(p_name, q_name, shift, scale)
        est, floor, xp, xq = estimates_1d(p_name, q_name, shift, scale, n, seed)
        left, right = st.columns([3, 2])
        left.plotly_chart(fit(pdv.fig_densities_1d(get_dataset(p_name), dv.affine_1d(get_dataset(q_name), shift, scale),
                                                   xp=xp, xq=xq)), key="fig_densities", width="stretch",
                          config=png_config("ganviz_densities"))
        right.dataframe(measures_table(exact, est, floor, n), width="stretch")
        right.caption("Exact: numerical integration of the densities on a 50,001-point grid "
                      "(W1 = ∫|F_P − F_Q| dx); point masses exactly. " + ESTIMATOR_NOTE)
        with right.expander("The definitions", expanded=True):
            for formula in FORMULAS:
                st.latex(formula)
            st.caption("Π(P, Q): the plans γ whose margins are P and Q; ‖f‖_L ≤ 1: f is 1-Lipschitz (the "
                       "critic WGAN trains). F_P, F_Q: the cumulative distribution functions.")
        sweep = sweep_1d(p_name, q_name, scale)
        st.plotly_chart(fit(pdv.fig_measures_vs_shift(sweep, shift)), key="fig_sweep", width="stretch",
                        config=png_config("ganviz_measures_vs_shift"))
        with SCENE.group("export", "Export"):
            download(st, "measures against the shift (CSV)", key="dl_sweep_csv", mime="text/csv",
                     data=pd.DataFrame(sweep).to_csv(index=False),
                     file_name=f"ganviz_measures_{p_name}_vs_{q_name}_scale{scale:g}.csv")
            st.caption("The camera icon on each figure saves it as a 1600 × 1000 PNG.")

# --- 2. Parallel lines (WGAN Example 1) ----------------------------------------------------------
if tab_lines.open:
    with tab_lines:
        with SCENE.group("controls", "θ and the samples"):
            c = st.columns([3, 1])
            theta = c[0].slider("theta", -1.0, 1.0, step=0.05, key="theta", persist_state=KEEP)
            n_lines = c[1].select_slider("samples n", SAMPLE_SIZES[:5], key="n_lines", persist_state=KEEP)
        est, floor, xp, xq = estimates_lines(theta, n_lines)
        left, right = st.columns([3, 2])
        left.plotly_chart(fit(pdv.fig_parallel_lines(theta, xp, xq)), key="fig_lines", width="stretch",
                          config=png_config("ganviz_parallel_lines"))
        right.dataframe(measures_table(dv.parallel_lines_exact(theta), est, floor, n_lines), width="stretch")
        right.markdown("WGAN paper, Example 1: for θ ≠ 0, **JS = log 2, KL = ∞, TV = 1, W1 = |θ|**. Only W1 "
                       "shrinks as θ → 0, so only W1 gives a gradient that pulls the line home.")
        right.caption(ESTIMATOR_NOTE + " W1 here: exact EMD between the two samples.")
        st.plotly_chart(fit(pdv.fig_wgan_figure1(lines_curve(), theta, dv.parallel_lines_exact(theta))),
                        key="fig_wgan_figure1", width="stretch", config=png_config("ganviz_wgan_figure1"))
        st.caption("Closed forms of Example 1 for θ ∈ [−1, 1]: W1 = |θ| falls smoothly to 0 and has a slope "
                   "everywhere; JS is log 2 for every θ ≠ 0 and 0 only at θ = 0: no slope to follow.")

# --- 3. Moving plans ------------------------------------------------------------------------------
if tab_plans.open:
    with tab_plans:
        with SCENE.group("controls", "The histograms and the plan"):
            c = st.columns([1, 2])
            example = c[0].selectbox("histograms", list(ex.EXAMPLES), key="plan_example", persist_state=KEEP)
            which = c[1].radio("plan", PLAN_KINDS, horizontal=True, key="plan_kind", persist_state=KEEP)
        a, b = ex.EXAMPLES[example]
        m = tr.ground_cost(ex.EXAMPLE_POSITIONS, ex.EXAMPLE_POSITIONS)
        best = tr.optimal_plan(a, b, m)
        w = tr.plan_cost(best, m)
        if which == "optimal (POT)":
            gamma = best
        elif which == "north-west corner rule":
            gamma = tr.north_west_corner(a, b)
        elif which == "north-east corner rule":
            gamma = tr.north_east_corner(a, b)
        else:
            start = pd.DataFrame(tr.north_east_corner(a, b), columns=[f"to {x:g}" for x in ex.EXAMPLE_POSITIONS],
                                 index=[f"from {x:g}" for x in ex.EXAMPLE_POSITIONS])
            st.caption("Edit the mass moved from each position of P (rows) to each of Q (columns); the plan "
                       "starts from the north-east corner rule (the costliest plan).")
            edited = st.data_editor(start, key=f"plan_editor_{example}", width="content")
            gamma = edited.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        problems = tr.plan_problems(gamma, a, b, tol=1e-3)
        if problems:
            st.error("This is not a transport plan: " + "; ".join(problems[:4])
                     + ". Rows must sum to P, columns to Q, and no cell may be negative.")
        else:
            cost = tr.plan_cost(gamma, m)
            k = st.columns(3)
            k[0].metric("B(γ) of this plan", f"{cost:.3f}")
            k[1].metric("W1 = min B(γ) (POT, exact)", f"{w:.3f}")
            k[2].metric("extra work over the optimum", f"{cost - w:.3f}",
                        delta=None if cost - w < 1e-9 else f"{100 * (cost / w - 1) if w > 0 else 0:.0f}% more",
                        delta_color="inverse")
        left, right = st.columns(2)
        # The matrix shows the plan as it is (its wrong margins in red); arrows only for a real plan.
        left.plotly_chart(fit(pdv.fig_plan_matrix(gamma, a, b, "γ: this plan" + (" (not feasible)" if problems else ""),
                                                  ex.EXAMPLE_POSITIONS)), key="fig_plan_matrix", width="stretch",
                          config=png_config("ganviz_plan_matrix"))
        right.plotly_chart(fit(pdv.fig_plan_arrows(ex.EXAMPLE_POSITIONS, a, b, best if problems else gamma,
                                                   "arrows: " + ("the optimal plan" if problems else "this plan"))),
                           key="fig_plan_arrows", width="stretch", config=png_config("ganviz_plan_arrows"))
        st.caption("B(γ) = Σ γ(x, y) |x − y|: each arrow's mass times its length; positions are 1 apart. On a "
                   "line the north-west corner rule moves mass in order (the monotone plan), which is optimal; "
                   "the north-east corner rule moves it in reverse order, the costliest plan. Edit cells to "
                   "land anywhere in between.")

# --- 4. 2D plans ----------------------------------------------------------------------------------
if tab_2d.open:
    with tab_2d:
        with SCENE.group("controls", "The clouds and the plan"):
            c = st.columns(5)
            p2 = c[0].selectbox("P", list(DATASETS_2D), key="p2d", persist_state=KEEP)
            q2 = c[1].selectbox("Q", list(DATASETS_2D), key="q2d", persist_state=KEEP)
            shift2 = c[2].slider("move Q right", -3.0, 3.0, step=0.1, key="shift2d", persist_state=KEEP)
            n2 = c[3].select_slider("points per cloud", N_2D, key="n2d", persist_state=KEEP)
            kind = c[4].radio("plan", PLANS_2D, key="plan2d", persist_state=KEEP)
            reg = st.select_slider("Sinkhorn reg (larger = blurrier plan)", REGS, key="reg", persist_state=KEEP,
                                   disabled=kind != "Sinkhorn")
        try:
            x, y, res = transport_2d(p2, q2, n2, shift2, reg if kind == "Sinkhorn" else None)
        except ValueError as e:
            st.error(str(e))
            x, y, res = transport_2d(p2, q2, n2, shift2, None)
        k = st.columns(3)
        if res.exact:
            what = "exact W1 (EMD)"
        else:
            what = "cost B(γ) of the Sinkhorn plan" if res.plan is not None else "sliced W1 (approximation)"
        k[0].metric(what, f"{res.cost:.4f}")
        if res.plan is not None and not res.exact:  # the blurred plan's cost beside the optimum
            k[1].metric("exact W1 (EMD), for comparison", f"{transport_2d(p2, q2, n2, shift2, None)[2].cost:.4f}")
        k[2].markdown(f"**Computed by:** {res.method}.")
        if res.plan is None:
            st.warning(f"No plan drawn: {res.method}.")
        st.plotly_chart(fit(pdv.fig_plan_2d(x, y, res.plan, f"{p2} → {q2}: {res.method}")), key="fig_plan2d",
                        width="stretch", config=png_config("ganviz_plan_2d"))

# --- 5. Objectives --------------------------------------------------------------------------------
if tab_obj.open:
    with tab_obj:
        sat, fgan, critic = objective_curves()
        st.plotly_chart(fit(pob.fig_saturation(sat)), key="fig_saturation", width="stretch",
                        config=png_config("ganviz_saturation"))
        st.caption("Early in training D rejects the fakes, D(G(z)) ≈ 0: there log(1 − D) is flat and its gradient "
                   "−D vanishes (MMGAN saturates); −log D has gradient −(1 − D) ≈ −1 (NSGAN keeps "
                   "learning).")
        st.plotly_chart(fit(pob.fig_fgan(fgan)), key="fig_fgan", width="stretch", config=png_config("ganviz_fgan"))
        st.caption("f-GAN (Nowozin et al. 2016, Table 2): D's raw output v goes through g_f into the domain of "
                   "the conjugate f*; F = E_P[g_f(v)] − E_Q[f*(g_f(v))].")
        st.plotly_chart(fit(pob.fig_critic_losses(critic)), key="fig_critic", width="stretch",
                        config=png_config("ganviz_critic"))
        st.caption("Per-sample losses against D's output. Hinge: flat beyond the margin. Least squares: pulls to "
                   "its targets. Wasserstein: linear and unbounded, so the critic must be kept 1-Lipschitz.")

SCENE.write()
try_this([
    "1D: P = gaussian, Q = gaussian, drag the shift from 0 to 6: JS creeps up to log 2 (exact 0.633 at shift 4, "
    "0.689 at 6; log 2 = 0.693) while W1 grows on; with two uniforms JS is log 2 from shift 2, once they no longer overlap.",
    "1D: set n to 50, shift 0: the estimates sit on their noise floor although the truth is 0.",
    "Parallel lines: move θ towards 0: W1 shrinks smoothly; JS stays at log 2 until θ is exactly 0.",
    "Moving plans: pick the north-east corner rule, then edit cells to make it cheaper; W1 is the floor.",
    "2D plans: Sinkhorn, move reg from 0.02 to 1: each point's mass spreads over many partners.",
    "Copy the address bar: the link reopens this section with these settings; add `&present=1` for a "
    "projector, `&hide=controls` to show only the pictures.",
])
