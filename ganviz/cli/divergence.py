"""``python -m ganviz divergence``: exact divergences and W1 of a worked example, with estimates.

Examples: ``--example parallel-lines --theta T`` (WGAN Example 1) and ``--example gaussians
--shift S [--scale R]`` (P = N(0, 1), Q = N(S, R^2)). Prints js, kl_pq, kl_qp, tv, w1 (exact;
an infinite KL prints as ``Infinity``), the estimates from n samples of each under ``estimate``
and the estimators' noise floor (their value between two samples of P) under ``noise_floor``.
"""

from __future__ import annotations

from ganviz.cli.common import add_json, fail, finite_float, int_arg, positive_int, print_json
from ganviz.data.toy import ParallelLines, gaussian_1d
from ganviz.metrics.divergence import (MEASURES, affine_1d, estimate_with_floor, exact_1d,
                                       parallel_lines_exact)

EXAMPLES = ("parallel-lines", "gaussians")


def register(sub) -> None:
    p = sub.add_parser("divergence", help="exact JS, KL, TV and W1 of an example, beside sample estimates",
                       description="Exact JS, KL both ways, TV and W1 of a worked example, beside their "
                                   "estimates from n samples.")
    p.add_argument("--example", required=True, choices=EXAMPLES, metavar="NAME", help="one of: " + ", ".join(EXAMPLES))
    p.add_argument("--theta", type=finite_float, default=1.0, help="parallel lines: the offset theta (default 1)")
    p.add_argument("--shift", type=finite_float, default=1.0, help="gaussians: Q's mean S (default 1)")
    p.add_argument("--scale", type=finite_float, default=1.0, help="gaussians: Q's standard deviation R > 0 (default 1)")
    p.add_argument("--n", type=positive_int, default=500, help="samples per distribution for the estimates (default 500)")
    p.add_argument("--seed", type=int_arg, default=0)
    add_json(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.n < 2:
        return fail("--n must be at least 2 (the nearest-neighbour KL estimate needs two points)")
    if args.example == "parallel-lines":
        p, q = ParallelLines("parallel_lines", 2, 0.0), ParallelLines("parallel_lines", 2, args.theta)
        out = {"example": args.example, "theta": args.theta, **parallel_lines_exact(args.theta)}
    else:
        if not args.scale > 0:
            return fail(f"--scale must be a positive number, got {args.scale:g}")
        p = gaussian_1d(0.0, 1.0)
        q = affine_1d(p, args.shift, args.scale)
        out = {"example": args.example, "shift": args.shift, "scale": args.scale, **exact_1d(p, q)}
    est, floor = estimate_with_floor(p, q, args.n, args.seed)
    out.update(n=args.n, seed=args.seed, estimate=est, noise_floor=floor)
    if args.json:
        print_json(out)
    else:
        print(f"{'':>6} {'exact':>10} {'estimate':>10} {'floor':>10}   (n = {args.n})")
        for k in MEASURES:
            print(f"{k:>6} {out[k]:>10.4f} {est[k]:>10.4f} {floor[k]:>10.4f}")
    return 0
