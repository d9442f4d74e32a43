"""Attention: click a pixel of a digit and see where SAGAN's self-attention looks from it."""

import streamlit as st

st.set_page_config(page_title="Attention · ganviz", layout="wide")

from ganviz.metrics.attention import attention_claim, attention_maps, gamma_curves, has_attention, long_reach  # noqa: E402
from ganviz.plots.attention import attention_figure, distance_figure, gamma_figure  # noqa: E402
from ganviz.training.began import source_of  # noqa: E402
from ganviz.training.checkpoint import IMAGE_UPLOAD_LIMITS, CheckpointError, from_bytes, load  # noqa: E402
from ganviz.training.shipped import checkpoint_dir  # noqa: E402
from ganviz.ui import image_data  # noqa: E402
from ganviz.ui.common import page_frame, too_big, try_this  # noqa: E402
from ganviz.ui.scene import Param, Scene, number, png_config  # noqa: E402

SHIPPED = "sagan_digits.safetensors"
SHIPPED_LABEL = "shipped SAGAN (digits)"
RETRAIN = ("python -m ganviz image --steps 1500 --seed 0 --arch sagan --data digits --size 16 "
           "--out checkpoints/sagan_digits")
UPLOADED = "your upload: "  # the checkpoint choice "your upload: <file name>"
# The preset: a query in the empty top-right corner, of a generated digit and a real one, where D's
# maps look at the stroke (checkpoints/README.md, SAGAN; tests/test_page_attention.py).
PRESET = {"index": 26, "real": 4, "row": 1, "col": 14}
# The long-reach preset: the on-stroke query of G's layer that looks farthest against a uniform map,
# searched over the run's generated digits (ganviz.metrics.attention.long_reach), with a real digit
# whose stroke covers the same pixel.
LONG_REACH = {"index": 233, "real": 1572, "row": 14, "col": 6}
ss = st.session_state

page_frame(
    "Attention",
    "SAGAN (Zhang et al. 2019) adds a **self-attention** block to G and D: at an 8×8 feature map, every "
    "position j (a *query*) takes a softmax over all 64 positions, β_j,i = softmax_i(f(x_i)ᵀ g(x_j)), and adds "
    "γ · Σ_i β_j,i h(x_i) to its features, γ learned from 0. A convolution sees only its neighbours; attention "
    "may look anywhere. **Click a pixel** of a digit (or move the sliders): red shows where that query looks, "
    "in each layer, for a generated digit (G's layer and D's) and a real one (D's). Below: how far the queries "
    "look on average, against a uniform map and a 3×3 neighbourhood's, and each layer's γ.",
)


def _open_data(config):
    # An uploaded recipe names its data set; it is read as a name, never as a server path.
    return image_data.open_source(source_of(config), config.image_size, config.channels)


def _shipped():
    """The session's copy of the shipped SAGAN (read only; never shared between sessions), or the
    reason it cannot be opened (naming no server path)."""
    if "at_shipped" not in ss:
        path = checkpoint_dir() / SHIPPED
        retrain = f"Retrain it with `{RETRAIN}` (checkpoints/README.md) or open your own below."
        if not path.is_file():
            ss.at_shipped = f"The shipped SAGAN ({SHIPPED}) is not on this server. {retrain}"
        else:
            try:
                ss.at_shipped = load(path, kinds=("image",), reader="the attention page")
            except CheckpointError as e:
                ss.at_shipped = f"Cannot open {SHIPPED}: {e}. {retrain}"
    return ss.at_shipped


def _bounds(trainer) -> dict[str, int]:
    """The largest value of each scene parameter for ``trainer``."""
    size = trainer.config.image_size
    return {"index": len(trainer.eval_z) - 1, "real": len(trainer.pool) - 1, "row": size - 1, "col": size - 1}


def _clamp() -> None:
    """After the checkpoint changes: a value the new one does not have goes back to the preset."""
    trainer = _trainer()
    if isinstance(trainer, str):
        return
    for name, top in _bounds(trainer).items():
        key = f"at_{name}"
        if ss.get(key, 0) > top:
            ss[key] = min(PRESET[name], top)


def _upload() -> None:
    """File-uploader callback: open the uploaded checkpoint. A file that is not a SAGAN image
    checkpoint (not safetensors, a pickle, a toy run, a dcgan) changes nothing: the message says why."""
    f = ss.get("at_upload")
    if f is None:
        return
    if too_big(f):
        ss.at_message = ("error", too_big(f))
        return
    try:
        trainer = from_bytes(f.getvalue(), limits=IMAGE_UPLOAD_LIMITS, kinds=("image",), reader="the attention page",
                             open_data=_open_data)
    except CheckpointError as e:
        ss.at_message = ("error", f"{f.name}: {e}. Nothing was changed.")
        return
    if not has_attention(trainer):
        ss.at_message = ("error", f"{f.name} is a {trainer.config.arch} run: its networks have no attention layers. "
                                  "Upload one trained with `python -m ganviz image --arch sagan --out PATH`. "
                                  "Nothing was changed.")
        return
    ss.at_uploaded = (f.name, trainer)
    ss.setdefault("at_claims", {}).pop(UPLOADED, None)  # measured anew for this file
    ss.at_source = UPLOADED + f.name
    _clamp()
    ss.at_message = ("success", f"Opened {f.name}: {trainer.config.arch}, {trainer.config.image_size} px, step "
                                f"{trainer.step_count:,}.")


def _uploaded() -> bool:
    """Whether the page shows the session's upload (else the shipped checkpoint)."""
    return ss.get("at_source", "").startswith(UPLOADED) and "at_uploaded" in ss


def _trainer():
    if _uploaded():
        return ss.at_uploaded[1]
    return _shipped()


def _preset(values: dict[str, int]) -> None:
    for name, value in values.items():
        ss[f"at_{name}"] = value
    _clamp()  # an upload may have fewer codes


def _clicked() -> None:
    """A click on a panel: its pixel becomes the query (the sliders follow)."""
    points = (ss.get("at_click") or {}).get("selection", {}).get("points", [])
    if points:
        ss.at_row, ss.at_col = int(round(points[0]["y"])), int(round(points[0]["x"]))


trainer = _trainer()
message = ss.pop("at_message", None)
if message:
    (st.error if message[0] == "error" else st.success)(message[1])
if isinstance(trainer, str):
    st.error(trainer)
    st.file_uploader("Open a SAGAN checkpoint (.safetensors)", type=["safetensors"], key="at_upload",
                     on_change=_upload)
    st.stop()

top = _bounds(trainer)
SCENE = Scene("attention", {name: Param(f"at_{name}", min(PRESET[name], top[name]), number(0, top[name], integer=True))
                            for name in PRESET}, groups=("checkpoint", "query"))
SCENE.start()
SCENE.sidebar()
SCENE.show_notes()
fit = SCENE.fit

with st.sidebar, SCENE.group("checkpoint", "Checkpoint"):
    options = [SHIPPED_LABEL] + ([UPLOADED + ss.at_uploaded[0]] if "at_uploaded" in ss else [])
    ss.setdefault("at_source", options[0])
    st.radio("Checkpoint", options, key="at_source", on_change=_clamp)
    st.file_uploader("Open your own SAGAN checkpoint (.safetensors from the image lab or "
                     "`python -m ganviz image --arch sagan --out PATH`)", type=["safetensors"], key="at_upload",
                     on_change=_upload)

with SCENE.group("query", "Digits and query pixel"):
    c = st.columns([4, 4, 5, 5, 3, 3], vertical_alignment="bottom")
    index = c[0].number_input("Generated digit #", 0, top["index"], key="at_index",
                              help="which of the run's fixed evaluation codes G draws")
    real = c[1].number_input("Real digit #", 0, top["real"], key="at_real",
                           help="which image of the data set D looks at")
    row = c[2].slider("Query row", 0, top["row"], key="at_row", help="counted from 0 at the top; or click a pixel")
    col = c[3].slider("Query column", 0, top["col"], key="at_col", help="counted from 0 at the left")
    c[4].button("Preset", key="at_preset", on_click=_preset, args=(PRESET,), width="stretch",
                help="generated digit 26 and real digit 4, the query in their empty top-right corner")
    c[5].button("Long reach", key="at_long", on_click=_preset, args=(LONG_REACH,), width="stretch",
                help="generated digit 233, the query at the bottom of its stroke: the farthest-looking query "
                     "on a stroke of G's layer")
SCENE.write()

fakes, fake_layers = attention_maps(trainer, "fake", [index])
views = [(layer, f"generated #{index}", fakes[0, 0]) for layer in fake_layers]
if any(layer.name.startswith("D.") for layer in fake_layers):  # an autoencoder D has no attention
    reals, real_layers = attention_maps(trainer, "real", [real])
    views += [(layer, f"real #{real}", reals[0, 0]) for layer in real_layers]
queries = [layer.query(row, col) for layer, _, _ in views]
figure = attention_figure([(f"{layer.name} · {what}", picture, q["map"]) for (layer, what, picture), q
                           in zip(views, queries)], (row, col))
if not _uploaded() and (index, real, row, col) == tuple(PRESET.values()):
    d_fake, d_real = queries[1], queries[2]
    st.markdown(f"**The preset:** the query sits in the empty top-right corner, away from the stroke. D's maps "
                f"look at the digit: **{d_fake['on_stroke']:.0%}** of their weight on the generated digit's "
                f"stroke and **{d_real['on_stroke']:.0%}** on the real one's, which cover "
                f"{d_fake['stroke_share']:.0%} and {d_real['stroke_share']:.0%} of the cells.")
if not _uploaded() and (index, real, row, col) == tuple(LONG_REACH.values()):
    if "at_reach" not in ss:  # the search over every generated digit, once a session
        ss.at_reach = long_reach(trainer, "fake"), long_reach(trainer, "real")
    (g_far, d_far), (d_real_far,) = ss.at_reach
    g_q, d_fake, d_real = queries
    st.markdown(f"**Long reach:** the farthest-looking of G's {g_far['queries']:,} on-stroke queries in the run's "
                f"{g_far['images']} generated digits (measured against a uniform map from the same cell). From the "
                f"bottom of digit {index}'s stroke it looks **{g_q['distance_px']:.1f} px** away on average, against "
                f"**{g_q['uniform_px']:.1f} px** for a uniform map and **{g_q['local_px']:.1f} px** for a 3×3 "
                f"neighbourhood's, with **{g_q['far_stroke']:.0%}** of its weight on its own stroke's far end (over "
                f"{trainer.config.image_size // 2} px away, in the top half; {g_q['far_stroke_share']:.0%} of the "
                f"cells): the paper's long-range link. It is the tail, not the rule: "
                f"{g_far['beyond_uniform']:.0%} of G's on-stroke queries look past a uniform map, and D's maps stay "
                f"near uniform (from here {d_fake['kl_from_uniform']:.2f} and {d_real['kl_from_uniform']:.2f} nats, "
                f"{d_fake['distance_px']:.1f} and {d_real['distance_px']:.1f} px on digit {index} and real #{real}; "
                f"D's farthest on-stroke query, generated or real, reaches {max(d_far['ratio'], d_real_far['ratio']):.2f} "
                f"times a uniform map's).")
st.plotly_chart(fit(figure), key="at_click", on_select=_clicked, selection_mode="points", width="stretch",
                config=png_config("ganviz_attention"))
h, w = fake_layers[0].shape
st.caption(f"Query pixel ({row}, {col}) of the {trainer.config.image_size}×{trainer.config.image_size} image is "
           f"cell {queries[0]['cell']} of the {h}×{w} map (outlined); a uniform map gives each cell "
           f"{1 / (h * w):.3f}. " + " · ".join(
               f"{layer.name} on the {what}: KL from uniform {q['kl_from_uniform']:.2f} nats, mean distance "
               f"{q['distance_px']:.1f} px, {q['on_stroke']:.0%} on the stroke ({q['stroke_share']:.0%} of the cells)"
               for (layer, what, _), q in zip(views, queries)))

st.subheader("The measured claim")
shipped = not _uploaded()
claims = ss.setdefault("at_claims", {})
which = SHIPPED if shipped else UPLOADED
if which not in claims:
    claims[which] = attention_claim(trainer)
rows = claims[which]
g = rows[0]  # the generator's layer on its own digits
d = next((r for r in rows if r["image"] == "real"), None)  # D's layer on real digits
left, right = st.columns([2, 3])
with left:
    numbers = (f"Over every query of the first {g['images']} generated digits, **{g['layer']}**'s maps are "
               f"**{g['mean_kl_from_uniform']:.2f} nats** from uniform on average (0: uniform; "
               f"{g['kl_one_cell']:.2f}: all on one cell), γ = **{g['gamma']:+.3f}** (it starts at 0), and its "
               f"queries look **{g['distance_px']:.1f} px** away on average, against **{g['uniform_px']:.1f} px** "
               f"for a uniform map and **{g['local_px']:.1f} px** for a 3×3 neighbourhood's.")
    if d is not None:
        numbers += (f" On real digits, **{d['layer']}** (γ = {d['gamma']:+.3f}) puts **{d['on_stroke']:.0%}** of "
                    f"its attention on the stroke's cells, which are {d['stroke_share']:.0%} of the image.")
    if shipped:  # the words below are measured on the shipped run (tests/test_page_attention.py)
        numbers += (" So the maps are not uniform and γ has left 0: attention is in use, and D's looks at the "
                    "digit. It reaches the whole image, as far as a uniform map and far beyond a convolution's "
                    "neighbours, but on average it does not prefer far cells over near ones: the paper's "
                    "long-range link (a stroke's far end looking at its start) shows in a few of G's queries, "
                    "not in most (**Long reach**).")
    st.markdown(numbers)
with right:
    st.plotly_chart(fit(distance_figure(rows)), key="at_distance", width="stretch",
                    config=png_config("ganviz_attention_distance"))
    curves = gamma_curves(trainer.history.rows)
    st.plotly_chart(fit(gamma_figure({r["layer"]: r["gamma"] for r in rows if r["image"] == "fake"}, curves)),
                    key="at_gamma", width="stretch", config=png_config("ganviz_attention_gamma"))
    if curves:
        ends = ", ".join(f"{name} {values[-1]:+.3f}" for name, (_, values) in curves.items())
        words = (" Both leave 0 at a nearly steady pace and neither has settled by the last step: a fifth or "
                 "more of each final γ came in the last third of training." if shipped else "")
        st.caption(f"γ of G's and D's layers, logged every {trainer.config.log_every} steps from 0 (the block "
                   f"starts as the identity) to step {curves[next(iter(curves))][0][-1]:,}: {ends}. The samples "
                   f"are drawn by {g['layer'].split('.')[0]}, whose γ is {g['gamma']:+.3f}.{words}")
    else:
        st.caption("γ as trained (the final values): this checkpoint's history has no γ, as it comes from a run "
                   "made before the trainer logged it, so its path over training cannot be drawn. Retrain it to "
                   "see the curve.")
st.dataframe([{"layer": r["layer"], "digits": r["image"], "γ": round(r["gamma"], 3),
               "KL from uniform (nats)": round(r["mean_kl_from_uniform"], 3),
               "distance (px)": round(r["distance_px"], 2), "uniform (px)": round(r["uniform_px"], 2),
               "local 3×3 (px)": round(r["local_px"], 2), "on the stroke": round(r["on_stroke"], 3),
               "stroke cells": round(r["stroke_share"], 3)} for r in rows], hide_index=True)

try_this([
    "Click the background far from the stroke, then a pixel on the stroke: does the query look at the digit?",
    "Press **Long reach**, then move the query up the stroke, cell by cell: where does the map go?",
    "Step the generated digit's number with the same query: the maps follow the digit drawn.",
    "Compare D's map of a generated digit with its map of a real one: on average D attends to both alike "
    "(the table's two D rows).",
    "Copy the address bar: the link reopens these digits and this query (add `&present=1` for a projector).",
])
