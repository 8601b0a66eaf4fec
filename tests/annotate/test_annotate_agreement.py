"""Agreement figures against hand computations (the arithmetic is written out beside each)."""

from __future__ import annotations

import pytest

from tuneline.data.annotations.agreement import agreement_report, cohens_kappa, judgments, krippendorff_alpha
from tuneline.data.annotations.store import VoteRow


def test_cohens_kappa_with_equal_marginals():
    # units:  1 2 3 4 5 6
    # first:  a a b b a b      agreements on 1,3,4,5 → p_o = 4/6 = 2/3
    # second: a b b b a a      first has a×3 b×3, second a×3 b×3
    # p_e = (3·3 + 3·3) / 6² = 1/2;  κ = (2/3 − 1/2) / (1 − 1/2) = 1/3
    assert cohens_kappa(list("aabbab"), list("abbbaa")) == pytest.approx(1 / 3)


def test_cohens_kappa_with_unequal_marginals():
    # first a a a a b, second a a a b b: p_o = 4/5; first a×4 b×1, second a×3 b×2
    # p_e = (4·3 + 1·2) / 25 = 14/25;  κ = (4/5 − 14/25) / (1 − 14/25) = (6/25) / (11/25) = 6/11
    assert cohens_kappa(list("aaaab"), list("aaabb")) == pytest.approx(6 / 11)
    assert cohens_kappa(list("ab"), list("ab")) == 1.0
    assert cohens_kappa(list("aa"), list("aa")) is None  # p_e = 1: undefined


def test_krippendorff_alpha_nominal():
    # units [a,a] [a,b] [b,b,b] [a] [b,a,a]; [a] has one value and is not pairable.
    # coincidences (each ordered pair of a unit's values weighs 1/(m−1)):
    #   [a,a]   m=2: (a,a)×2 ·1       → o_aa += 2
    #   [a,b]   m=2: (a,b),(b,a) ·1   → o_ab += 1, o_ba += 1
    #   [b,b,b] m=3: (b,b)×6 ·1/2     → o_bb += 3
    #   [b,a,a] m=3: (b,a)×2,(a,b)×2,(a,a)×2 ·1/2 → o_ba += 1, o_ab += 1, o_aa += 1
    # o_aa=3 o_ab=2 o_ba=2 o_bb=3; n_a=5 n_b=5 n=10
    # α = 1 − (n−1)·Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k = 1 − 9·4 / (2·5·5) = 1 − 36/50 = 0.28
    units = [list("aa"), list("ab"), list("bbb"), list("a"), list("baa")]
    assert krippendorff_alpha(units) == pytest.approx(0.28)
    assert krippendorff_alpha([list("aa"), list("bb")]) == pytest.approx(1.0)
    assert krippendorff_alpha([list("a")]) is None


def _vote(item, annotator, outcome, ranking=None, rating=None):
    return VoteRow(item_id=item, annotator=annotator, outcome=outcome, ranking=ranking, rating=rating,
                   checklist=[], seconds=None)


def test_votes_become_units_and_the_report_names_the_split_items():
    votes = [
        _vote(1, "ann", "win", [0, 1]), _vote(1, "bob", "win", [1, 0]),
        _vote(2, "ann", "win", [0, 1]), _vote(2, "bob", "win", [0, 1]),
        _vote(3, "ann", "ranking", [2, 0, 1]), _vote(3, "bob", "ranking", [2, 1, 0]),
        _vote(4, "ann", "tie"), _vote(4, "bob", "both_bad"), _vote(5, "ann", "skip"),
    ]
    table = judgments(votes)
    # a ranking 2 > 0 > 1 judges every pair of its answers: (0,1)→0, (0,2)→2, (1,2)→2
    assert {unit: by["ann"] for unit, by in table.items() if unit[0] == 3} == {(3, 0, 1): 0, (3, 0, 2): 2, (3, 1, 2): 2}
    report = agreement_report(votes)
    # 6 shared units; ann: 0,0,0,2,2,tie  bob: 1,0,1,2,2,both_bad → agree on 3 → p_o = 1/2
    # ann counts 0×3 2×2 tie×1, bob 0×1 1×2 2×2 both_bad×1 → p_e = (3·1 + 2·2) / 36 = 7/36
    # κ = (1/2 − 7/36) / (1 − 7/36) = (11/36) / (29/36) = 11/29
    assert report["kappa"]["ann~bob"] == {"kappa": pytest.approx(11 / 29), "units": 6}
    assert report["pairable_units"] == 6
    # items 1 and 4 split 1–1 (share outside the majority 1/2); item 3 splits on one of its 3 units (1/6)
    assert report["most_disagreed"] == [{"item_id": 1, "disagreement": 0.5}, {"item_id": 4, "disagreement": 0.5},
                                        {"item_id": 3, "disagreement": pytest.approx(1 / 6)}]
