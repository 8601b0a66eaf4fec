"""The flywheel example's written rule (examples/flywheel/rule.py): the checks and votes the
scripted annotator makes, on hand-picked answers, and that no degenerate answer passes it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart"


@pytest.fixture(scope="module")
def rule():
    spec = importlib.util.spec_from_file_location("flywheel_rule", ROOT / "examples" / "flywheel" / "rule.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def centre(rule):
    return rule.HelpCentre(QUICKSTART / "sft_train.jsonl", QUICKSTART / "sft_eval.jsonl")


SYNC = "Sync stopped working, what do I do?"
SYNC_ARTICLE = ("Open Settings > Sync on both devices and tap Sync now, making sure both are signed in to the same "
                "account. If it still fails, sign out and back in on the device that is behind. — Nimbus Support")
DARK_MODE = ("Go to Settings > Appearance and pick Dark, or choose System to follow your device. The change applies "
             "right away on that device. — Nimbus Support")


def test_every_documented_answer_is_acceptable_for_its_question_only(rule, centre):
    assert len(centre.answers) == 160 and len(centre.articles) == 20
    assert all(centre.acceptable(q, a) for q, a in centre.answers.items())
    wrong = [(q, other) for q, a in centre.answers.items() for other in centre.articles if other != a
             and centre.on_topic(q, other)]
    assert wrong == []


def test_degenerate_answers_pass_nothing(rule, centre):
    for answer in ("", "— Nimbus Support", "Nimbus Support", "Sync now. — Nimbus Support"):
        assert centre.checks(SYNC, answer) == dict.fromkeys(rule.CHECKS, False)
        assert centre.vote(SYNC, answer, "") is None  # both bad
    assert centre.vote(SYNC, "— Nimbus Support", SYNC_ARTICLE) == 0.0


def test_one_answer_to_every_question_is_acceptable_for_its_own_topic_only(centre):
    held_out = [q for q in list(centre.answers)[120:]]  # sft_eval: 40 questions, 2 per article
    assert len(held_out) == 40
    assert sum(centre.acceptable(q, SYNC_ARTICLE) for q in held_out) == 2


def test_votes_weigh_being_on_topic_double(rule, centre):
    unsigned = SYNC_ARTICLE.removesuffix(" — Nimbus Support")
    # on topic but unsigned: 2 + 0 + 1 = 3; another article, signed and sized: 0 + 1 + 1 = 2
    assert centre.score(SYNC, unsigned) == 3 and centre.score(SYNC, DARK_MODE) == 2
    assert centre.vote(SYNC, unsigned, DARK_MODE) == 1.0
    assert centre.vote(SYNC, DARK_MODE, unsigned) == 0.0
    assert centre.vote(SYNC, SYNC_ARTICLE, unsigned) == 1.0  # 4 against 3
    assert centre.vote(SYNC, SYNC_ARTICLE, SYNC_ARTICLE) == 0.5
    too_long = SYNC_ARTICLE.replace(" — Nimbus Support", " Please also" + " try again" * 4 + ". — Nimbus Support")
    assert rule.body_words(too_long) == 36 + 10  # the article has 36 words before the sign-off and centre.score(SYNC, too_long) == 3


def test_an_unknown_question_is_an_error(centre):
    with pytest.raises(KeyError, match="no article"):
        centre.on_topic("How do I bake bread?", SYNC_ARTICLE)
