"""Win rate: order debiasing, ties, the Wilson interval, and both kinds of judge."""

from __future__ import annotations

import math

import pytest

from tuneline.eval.judges import LLMJudge, RewardModelJudge, parse_verdict
from tuneline.eval.winrate import combine_orders, outcome, pairwise_winrate, wilson_interval

PROMPTS = [[{"role": "user", "content": f"question {i}"}] for i in range(10)]
GOOD = [f"a careful, correct answer to question {i}" for i in range(10)]
BAD = [f"no {i}" for i in range(10)]


def test_wilson_interval_matches_hand_computation():
    # p̂ = 0.5, n = 10, z = 1.96: z² = 3.8416; centre = (0.5 + 0.19208) / 1.38416 = 0.5;
    # half = 1.96 / 1.38416 · sqrt(0.025 + 0.009604) = 1.416021 · 0.186022 = 0.263410
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.5 - 0.263410, abs=1e-5) and high == pytest.approx(0.5 + 0.263410, abs=1e-5)
    # p̂ = 0 keeps a non-degenerate upper bound: z²/n / (1 + z²/n) = 0.38416 / 1.38416 = 0.277540
    low, high = wilson_interval(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(0.277540, abs=1e-5)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_combine_orders_cancels_a_position_preference():
    assert combine_orders("A", "A") == 0.5  # first position both times: one vote each → tie
    assert combine_orders("B", "B") == 0.5
    assert combine_orders("A", "B") == 1.0  # A preferred in both orders
    assert combine_orders("B", "A") == 0.0
    assert combine_orders("A", "tie") == 0.75 and outcome(0.75) == "win"
    assert outcome(0.5) == "tie" and outcome(0.25) == "loss"


def test_judge_that_always_prefers_the_first_position_gives_fifty_percent_all_ties():
    judge = LLMJudge(lambda conversations: ["A"] * len(conversations), name="first-position")
    result, records = pairwise_winrate(judge, PROMPTS, GOOD, BAD, "tuned", "base")
    assert result.win_rate == 0.5  # not 1.0: position bias cancels
    assert (result.wins, result.ties, result.losses) == (0, 10, 0)
    assert result.order_agreement == 0.0 and result.first_position_share == 1.0
    assert result.ci_low < 0.5 < result.ci_high
    assert {r["outcome_a"] for r in records} == {"tie"}


def test_judge_that_reads_the_answers_gives_a_clear_win():
    def prefers_careful(conversations):  # picks whichever position holds the careful answer
        return ["A" if "[Answer A]\na careful" in c[-1]["content"] else "B" for c in conversations]

    result, _ = pairwise_winrate(LLMJudge(prefers_careful), PROMPTS, GOOD, BAD, "tuned", "base")
    assert (result.win_rate, result.wins, result.order_agreement) == (1.0, 10, 1.0)
    assert result.ci_low > 0.65  # ten wins out of ten: the interval excludes a coin flip
    reverse, _ = pairwise_winrate(LLMJudge(prefers_careful), PROMPTS, BAD, GOOD, "base", "tuned")
    assert reverse.win_rate == 0.0 and reverse.losses == 10


def test_unreadable_judge_replies_count_as_ties_and_are_reported():
    judge = LLMJudge(lambda conversations: ["I cannot decide."] * len(conversations))
    result, _ = pairwise_winrate(judge, PROMPTS[:4], GOOD[:4], BAD[:4])
    assert result.ties == 4 and judge.unparsed == 8
    assert parse_verdict("Answer B is better.") == "B" and parse_verdict("It's a TIE") == "tie"
    assert parse_verdict("Both are fine") is None


def test_reward_model_judge_scores_each_answer_once():
    calls = []

    def length_reward(prompts, answers):  # a reward source with the rl.rewards signature
        calls.append(len(answers))
        return [float(len(a)) for a in answers]

    judge = RewardModelJudge(length_reward)
    result, _ = pairwise_winrate(judge, PROMPTS, GOOD, BAD, "tuned", "base")
    assert result.win_rate == 1.0 and result.order_agreement == 1.0
    assert sum(calls) == 20  # 10 prompts × 2 answers, though asked in two orders
    ties, _ = pairwise_winrate(RewardModelJudge(length_reward, tie_margin=math.inf), PROMPTS, GOOD, BAD)
    assert ties.ties == 10
