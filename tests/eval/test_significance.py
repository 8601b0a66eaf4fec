"""McNemar's exact test against hand-computed binomial tails, and the zero-shot pieces
that need no model: label-name similarity and the generative baseline's choice."""

from __future__ import annotations

import pytest

from tuneline.eval.classification_baselines import label_name_predictions, label_text
from tuneline.eval.significance import mcnemar_exact, significantly_better


def pairs(first_only: int, second_only: int, both: int = 5, neither: int = 2):
    first = [True] * first_only + [False] * second_only + [True] * both + [False] * neither
    second = [False] * first_only + [True] * second_only + [True] * both + [False] * neither
    return first, second


def test_mcnemar_exact_matches_hand_computed_tails():
    # b=8, c=2: 2 · (C(10,0)+C(10,1)+C(10,2)) / 2^10 = 2 · 56 / 1024
    assert mcnemar_exact(*pairs(8, 2))["p_value"] == pytest.approx(0.109375)
    # b=10, c=0: 2 / 1024
    assert mcnemar_exact(*pairs(10, 0))["p_value"] == pytest.approx(0.001953125)
    # b=c=3: 2 · 42 / 64 > 1, capped at 1; agreements (both, neither) never count
    assert mcnemar_exact(*pairs(3, 3, both=50))["p_value"] == 1.0
    assert mcnemar_exact([True, False], [True, False]) == {"first_only": 0, "second_only": 0, "p_value": 1.0}


def test_a_hair_better_is_not_significantly_better():
    # 0.9279 vs 0.9276 over ~3,000 texts is a disagreement or so out of dozens: no win
    beats, test = significantly_better(*pairs(13, 12, both=2700, neither=200))
    assert not beats and test["p_value"] == pytest.approx(1.0)
    beats, test = significantly_better(*pairs(10, 0))
    assert beats and test["first_only"] == 10
    beats, _ = significantly_better(*pairs(0, 10))  # significant, but the other way round
    assert not beats


def test_label_names_pick_the_nearest_label_embedding():
    labels = ["billing", "login"]
    label_vectors = [[1.0, 0.0], [0.0, 1.0]]
    texts = [[3.0, 1.0], [0.2, 0.9], [-1.0, 0.1]]  # cosine: nearest billing, login, login
    assert label_name_predictions(texts, label_vectors, labels) == ["billing", "login", "login"]
    assert label_text("card_declined") == "card declined"
