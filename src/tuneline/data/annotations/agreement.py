"""Inter-annotator agreement: Cohen's κ for each pair of annotators, Krippendorff's α
(nominal) over everyone, and the items with most disagreement.

A vote is turned into judgments on units: a pairwise vote judges the unit (item, 0, 1);
a ranking of k answers judges every pair of them (k(k-1)/2 units, the higher-ranked answer
wins each); a rating judges (item, "rating"). A judgment's value is the winning answer's
position, "tie", "both_bad", or the rating, compared as nominal categories.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from itertools import combinations
from typing import Any

from tuneline.data.annotations.store import VoteRow

Unit = tuple[int, Any, Any]  # (item id, answer position, answer position) or (item id, "rating", None)


def judgments(votes: Iterable[VoteRow]) -> dict[Unit, dict[str, Hashable]]:
    """{unit: {annotator: value}} from the votes (skips carry no judgment)."""
    out: dict[Unit, dict[str, Hashable]] = {}
    for vote in votes:
        if vote.outcome == "rating":
            out.setdefault((vote.item_id, "rating", None), {})[vote.annotator] = vote.rating
        elif vote.outcome in ("tie", "both_bad"):
            out.setdefault((vote.item_id, 0, 1), {})[vote.annotator] = vote.outcome
        elif vote.outcome in ("win", "ranking") and vote.ranking:
            rank = {position: place for place, position in enumerate(vote.ranking)}
            for first, second in combinations(sorted(rank), 2):
                winner = first if rank[first] < rank[second] else second
                out.setdefault((vote.item_id, first, second), {})[vote.annotator] = winner
    return out


def cohens_kappa(first: list[Hashable], second: list[Hashable]) -> float | None:
    """κ = (p_o − p_e) / (1 − p_e) for two annotators' labels on the same units (Cohen 1960).
    None when undefined: no units, or both always used one and the same label (p_e = 1)."""
    if len(first) != len(second):
        raise ValueError("both annotators must label the same units")
    if not first:
        return None
    count = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / count
    share_first, share_second = Counter(first), Counter(second)
    expected = sum(share_first[label] * share_second[label] for label in share_first) / (count * count)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(units: Iterable[list[Hashable]]) -> float | None:
    """Krippendorff's α for nominal data: α = 1 − (n − 1) · D_o / D_e' where, over the
    coincidence matrix o (each unit with m ≥ 2 values adds 1/(m − 1) for every ordered pair
    of its values), D_o = Σ_{c≠k} o_ck and D_e' = Σ_{c≠k} n_c n_k with n_c = Σ_k o_ck and
    n = Σ_c n_c. Units with fewer than two values are not pairable and are left out. None
    when there is no pairable unit or only one category was ever used."""
    coincidences: Counter = Counter()
    for values in units:
        m = len(values)
        if m < 2:
            continue
        for i, j in ((i, j) for i in range(m) for j in range(m) if i != j):
            coincidences[(values[i], values[j])] += 1 / (m - 1)
    totals: Counter = Counter()
    for (c, _k), weight in coincidences.items():
        totals[c] += weight
    n = sum(totals.values())
    disagreement = sum(weight for (c, k), weight in coincidences.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if n == 0 or expected == 0:
        return None
    return 1 - (n - 1) * disagreement / expected


def agreement_report(votes: Iterable[VoteRow], most_disagreed: int = 10) -> dict[str, Any]:
    """κ for every pair of annotators (on the units both judged), α overall, and the items
    whose judgments split most (share of judgments outside the majority value)."""
    table = judgments(votes)
    annotators = sorted({name for by in table.values() for name in by})
    kappas = {}
    for first, second in combinations(annotators, 2):
        shared = [by for by in table.values() if first in by and second in by]
        kappa = cohens_kappa([by[first] for by in shared], [by[second] for by in shared])
        kappas[f"{first}~{second}"] = {"kappa": kappa, "units": len(shared)}
    alpha = krippendorff_alpha(list(by.values()) for by in table.values())
    split: dict[int, Counter] = {}
    for unit, by in table.items():
        if len(by) >= 2:
            majority = Counter(by.values()).most_common(1)[0][1]
            split.setdefault(unit[0], Counter()).update(minority=len(by) - majority, total=len(by))
    disagreement = sorted(((item, counts["minority"] / counts["total"]) for item, counts in split.items()
                           if counts["minority"]), key=lambda pair: (-pair[1], pair[0]))
    return {"annotators": annotators, "kappa": kappas, "alpha": alpha,
            "pairable_units": sum(len(by) >= 2 for by in table.values()),
            "most_disagreed": [{"item_id": item, "disagreement": share}
                               for item, share in disagreement[:most_disagreed]]}
