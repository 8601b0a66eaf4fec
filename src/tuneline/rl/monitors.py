"""Monitors for reward hacking and collapse in the online stages (ppo, grpo, rloo).

Each step records a few statistics of its sampled completions (mean reward and its spread,
length, distinct-2, repetition, token entropy, KL to the reference); `check` compares the
last steps with the first ones and raises a flag per failure mode:

- length_drift: the mean completion length moved by more than `length_drift` (relative);
- collapse: distinct-2 (unique token bigrams over all bigrams of the batch) or the token
  entropy fell below `collapse` times its starting value;
- repetition: the share of repeated token 3-grams within a completion ended above
  `repetition`, having risen by at least half that;
- reward_hacking: the training reward rose (by `reward_rise` times its starting spread) while
  the held-out judge's score fell, or while the KL to the reference passed `kl_alarm`.

A flag prints a warning when it first fires, and the stage writes the flags into its
metrics.json (`monitor_flags`, `monitor_details`); `tuneline study` shows them per cell.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from tuneline.config.schema import Strict
from tuneline.progress import info


class MonitorConfig(Strict):
    enabled: bool = Field(True, description="watch the run for reward hacking and collapse")
    window: int = Field(3, ge=1, description="steps averaged at the start and at the end of the run")
    length_drift: float = Field(0.5, gt=0, description="flag a relative change of the mean completion length past this")
    collapse: float = Field(0.5, gt=0, lt=1, description="flag distinct-2 or token entropy falling below this share "
                                                         "of its start")
    repetition: float = Field(0.3, gt=0, lt=1, description="flag a share of repeated 3-grams per completion past this")
    reward_rise: float = Field(0.5, ge=0, description="a training reward rise counts when past this many of its "
                                                      "starting standard deviations")
    kl_alarm: float = Field(10.0, gt=0, description="KL to the reference (nats per completion) that, with a rising "
                                                    "training reward, flags reward hacking")
    judge: str | None = Field(None, description="module:function or file.py:function scoring held-out completions "
                                                "(none of the stage's rewards): its fall while the training "
                                                "reward rises flags reward hacking")


class MonitorOptions(Strict):
    monitors: MonitorConfig = Field(default_factory=MonitorConfig,
                                    description="reward-hacking and collapse monitors (docs/study.md)")


def completion_stats(completions: Sequence[Sequence[int]]) -> dict[str, float]:
    """Length, distinct-2 and 3-gram repetition of a batch of completions (token ids)."""
    bigrams: list[tuple[int, ...]] = []
    repeated_shares = []
    for tokens in completions:
        tokens = list(tokens)
        bigrams += [tuple(tokens[i:i + 2]) for i in range(len(tokens) - 1)]
        trigrams = [tuple(tokens[i:i + 3]) for i in range(len(tokens) - 2)]
        repeated_shares.append(1 - len(set(trigrams)) / len(trigrams) if trigrams else 0.0)
    return {"completion_length": statistics.fmean(len(t) for t in completions) if completions else 0.0,
            "distinct_2": len(set(bigrams)) / len(bigrams) if bigrams else 1.0,
            "repetition_3": statistics.fmean(repeated_shares) if repeated_shares else 0.0}


def _mean(history: Sequence[dict[str, Any]], key: str) -> float | None:
    values = [float(r[key]) for r in history if isinstance(r.get(key), (int, float))]
    return statistics.fmean(values) if values else None


def check(history: Sequence[dict[str, Any]], config: MonitorConfig, judge_before: float | None = None,
          judge_after: float | None = None, final: bool = False) -> dict[str, str]:
    """Flags (name → message) raised by the per-step records of a run so far. While the run
    goes on, only once it has two whole windows (one step of a few completions is too noisy
    to compare with another); at its end (`final`), a run shorter than that compares its
    first and last halves."""
    if not config.enabled or len(history) < (2 if final else 2 * config.window):
        return {}
    window = min(config.window, len(history) // 2)
    first, last = history[:window], history[-window:]
    flags: dict[str, str] = {}

    length_before, length_after = _mean(first, "completion_length"), _mean(last, "completion_length")
    if length_before and length_after is not None and abs(length_after / length_before - 1) > config.length_drift:
        flags["length_drift"] = (f"mean completion length moved from {length_before:.1f} to {length_after:.1f} "
                                 f"tokens (more than {config.length_drift:.0%})")

    for key, label in (("distinct_2", "distinct-2"), ("entropy", "token entropy")):
        before, after = _mean(first, key), _mean(last, key)
        if before and after is not None and after < config.collapse * before:
            flags["collapse"] = f"{label} fell from {before:.3f} to {after:.3f} (below {config.collapse:.0%} of its start)"
            break

    repeated_before, repeated_after = _mean(first, "repetition_3"), _mean(last, "repetition_3")
    if (repeated_after is not None and repeated_after > config.repetition
            and repeated_after - (repeated_before or 0.0) >= config.repetition / 2):
        flags["repetition"] = (f"repeated 3-grams per completion rose from {repeated_before or 0:.2f} to "
                               f"{repeated_after:.2f}")

    reward_before, reward_after = _mean(first, "reward_mean"), _mean(last, "reward_mean")
    spread = _mean(first, "reward_std") or 0.0
    if reward_before is not None and reward_after is not None and \
            reward_after - reward_before > max(config.reward_rise * spread, 1e-9):
        rise = f"training reward rose from {reward_before:.3f} to {reward_after:.3f}"
        kl = _mean(last, "kl")
        if judge_before is not None and judge_after is not None and judge_after < judge_before:
            flags["reward_hacking"] = f"{rise} while the held-out judge's score fell ({judge_before:.3f} → {judge_after:.3f})"
        elif kl is not None and kl > config.kl_alarm:
            flags["reward_hacking"] = f"{rise} while the KL to the reference reached {kl:.1f} (alarm at {config.kl_alarm})"
    return flags


class Monitor:
    """Per-step records of a run, checked as they come: each flag is printed once when it fires."""

    def __init__(self, config: MonitorConfig, stage_name: str):
        self.config, self.stage_name = config, stage_name
        self.history: list[dict[str, Any]] = []
        self.flags: dict[str, str] = {}

    def record(self, **stats: float) -> dict[str, str]:
        self.history.append(stats)
        return self._update(check(self.history, self.config))

    def finish(self, judge_before: float | None = None, judge_after: float | None = None) -> dict[str, Any]:
        """metrics.json entries: the flags raised at any point of the run, or at its end."""
        self._update(check(self.history, self.config, judge_before, judge_after, final=True))
        out: dict[str, Any] = {"monitor_flags": sorted(self.flags), "monitor_details": dict(self.flags)}
        if judge_before is not None and judge_after is not None:
            out.update(judge_score_before=judge_before, judge_score=judge_after)
        return out

    def _update(self, flags: dict[str, str]) -> dict[str, str]:
        fresh = {k: v for k, v in flags.items() if k not in self.flags}
        for name, message in fresh.items():
            info(f"warning: {self.stage_name}: {name.replace('_', ' ')}: {message}")
        self.flags.update(fresh)
        return fresh


class JudgedReward:
    """A reward source that also has a held-out judge score the same completions: the judge's
    mean over the calls since the last `take_mean` is the monitor's held-out score."""

    def __init__(self, reward, judge):
        self.reward, self.judge = reward, judge
        self.name = getattr(reward, "name", "reward")
        self._scores: list[float] = []

    def __call__(self, prompts, completions) -> list[float]:
        self._scores += [float(s) for s in self.judge(prompts, completions)]
        return self.reward(prompts, completions)

    def take_mean(self) -> float | None:
        scores, self._scores = self._scores, []
        return statistics.fmean(scores) if scores else None
