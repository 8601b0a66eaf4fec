"""Intervals for rates: Wilson's score interval for one proportion, Newcombe's hybrid
score interval for a difference of two independent proportions."""

from __future__ import annotations

import math

from tuneline.eval import significance

Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval (Wilson 1927; Newcombe 1998, method 3), with the exact 97.5%
    normal quantile: eval.significance's formula."""
    return significance.wilson_interval(successes, n, z)


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """p1 - p2 and its interval by Newcombe's hybrid score method (Newcombe 1998, method 10):
    L = d - sqrt((p1-l1)² + (u2-p2)²), U = d + sqrt((u1-p1)² + (p2-l2)²), with (l, u) each
    proportion's Wilson interval."""
    p1 = x1 / n1 if n1 else 0.0
    p2 = x2 / n2 if n2 else 0.0
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    d = p1 - p2
    return d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def rate(successes: int, n: int) -> dict[str, float]:
    """{count, n, rate, ci_low, ci_high}: a rate as the reports show it."""
    low, high = wilson_interval(successes, n)
    return {"count": successes, "n": n, "rate": successes / n if n else 0.0, "ci_low": low, "ci_high": high}


def difference(target: dict[str, float], baseline: dict[str, float]) -> dict[str, float]:
    """The target's rate minus the baseline's, with Newcombe's interval."""
    d, low, high = newcombe_difference(int(target["count"]), int(target["n"]), int(baseline["count"]),
                                       int(baseline["n"]))
    return {"difference": d, "ci_low": low, "ci_high": high}
