"""Metrics: mode coverage (``modes``) and divergences (``divergence``)."""

from ganviz.metrics.divergence import histogram_js, js_exact_1d, js_monte_carlo, w1
from ganviz.metrics.modes import ModeCoverage, mode_coverage

__all__ = ["ModeCoverage", "histogram_js", "js_exact_1d", "js_monte_carlo", "mode_coverage", "w1"]
