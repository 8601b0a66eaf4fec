"""Is one classifier really better than another on the same held-out texts?

McNemar's exact test on paired predictions (McNemar 1947; the exact binomial form, as in
Dietterich 1998, "Approximate statistical tests for comparing supervised classification
learning algorithms", §3.4): only the texts the two models disagree on count. With b texts
that model A gets right and B wrong, and c the other way round, under "equally good" each
disagreement is a fair coin, so

    p = min(1, 2 · Σ_{i=0}^{min(b,c)} C(b+c, i) / 2^(b+c))     (two-sided)
"""

from __future__ import annotations

from collections.abc import Sequence
from math import comb

SIGNIFICANCE_LEVEL = 0.05


def mcnemar_exact(first_correct: Sequence[bool], second_correct: Sequence[bool]) -> dict[str, float | int]:
    """{"first_only": b, "second_only": c, "p_value": two-sided exact p} for two models'
    per-example correctness on the same examples (same order)."""
    paired = list(zip(first_correct, second_correct, strict=True))
    first_only = sum(1 for a, b in paired if a and not b)
    second_only = sum(1 for a, b in paired if b and not a)
    disagreements = first_only + second_only
    if disagreements == 0:
        return {"first_only": 0, "second_only": 0, "p_value": 1.0}
    tail = sum(comb(disagreements, i) for i in range(min(first_only, second_only) + 1))
    return {"first_only": first_only, "second_only": second_only,
            "p_value": min(1.0, 2 * tail / 2 ** disagreements)}


def significantly_better(first_correct: Sequence[bool], second_correct: Sequence[bool],
                         level: float = SIGNIFICANCE_LEVEL) -> tuple[bool, dict[str, float | int]]:
    """(first beats second at `level`, the test's figures): more wins and p < level."""
    test = mcnemar_exact(first_correct, second_correct)
    return test["first_only"] > test["second_only"] and test["p_value"] < level, test


def wilson_interval(successes: float, total: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion (Wilson 1927; Agresti & Coull 1998):

        (p̂ + z²/2n ± z·sqrt(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n)

    Unlike p̂ ± z·SE it stays inside [0, 1] and is not degenerate at p̂ = 0 or 1, which
    matters for the small prompt sets evaluated here. `successes` may be fractional (a tie
    counts half in a win rate). (0, 1) when there is nothing to count.
    """
    if total == 0:
        return 0.0, 1.0
    p = successes / total
    centre = p + z * z / (2 * total)
    spread = z * (p * (1 - p) / total + z * z / (4 * total * total)) ** 0.5
    scale = 1 + z * z / total
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)
