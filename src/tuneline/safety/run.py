"""One audit from start to end, shared by `tuneline audit` and the eval stage's safety suite:
build the detectors, answer the prompts, score, compare with the baseline, gate, write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuneline.io import atomic_write_json, atomic_write_text
from tuneline.safety import detectors as dt
from tuneline.safety.audit import compare, markdown, score_samples, summarise
from tuneline.safety.prompts import AuditPrompt


class AnyOf:
    """Refused when any of its detectors says so."""

    def __init__(self, *parts):
        self.parts, self.name = parts, "any(" + ",".join(p.name for p in parts) + ")"

    def probabilities(self, prompts: list[str], answers: list[str]) -> list[float]:
        scores = [p.probabilities(prompts, answers) for p in self.parts]
        return [max(column) for column in zip(*scores, strict=True)]


@dataclass
class DetectorChoice:
    refusal: str = "patterns"  # patterns, embedding, judge, any
    unsafe: str = "none"  # none, embedding, judge, reward
    judge_local: tuple | None = None  # (model, tokenizer)
    judge_generate: Callable | None = None  # an endpoint's chat generator
    judge_name: str = "judge"
    judge_setting: str = "--judge"
    reward: Callable | None = None  # (prompts, answers) → scores
    _built: dict[str, Any] = field(default_factory=dict)

    def judge(self, question: str):
        from tuneline.errors import ConfigError

        if self.judge_local is None and self.judge_generate is None:
            raise ConfigError("the judge detector needs a judge model", where=self.judge_setting,
                              fix="name a judge model (a model reference or stage) or an endpoint")
        judge = dt.JudgeDetector(question, self.judge_local, self.judge_generate, self.judge_name, self.judge_setting)
        if self.judge_local is not None:  # a local judge's P(yes) is read, so it can be calibrated
            from tuneline.progress import status

            with status(f"calibrating {self.judge_name} ({question}) on the training labelled answers"):
                judge.calibrate(dt.labelled_set("train"))
        return judge

    def get(self, kind: str, question: str):
        key = f"{kind}:{question}"
        if key not in self._built:
            if kind == "patterns":
                self._built[key] = dt.RefusalPatterns()
            elif kind == "embedding":
                self._built[key] = dt.EmbeddingDetector(question)
            elif kind == "judge":
                self._built[key] = self.judge(question)
            elif kind == "any":
                self._built[key] = AnyOf(self.get("patterns", question), self.get("embedding", question))
            elif kind == "reward":
                from tuneline.errors import ConfigError

                if self.reward is None:
                    raise ConfigError("the reward detector needs a reward model", where="reward_model",
                                      fix="name a reward stage (trained on harmless pairs) or its folder")
                self._built[key] = dt.RewardDetector(self.reward)
        return self._built[key]

    def refusal_detector(self):
        return self.get(self.refusal, "refused")

    def unsafe_detector(self):
        return None if self.unsafe == "none" else self.get(self.unsafe, "unsafe")

    def quality(self) -> dict[str, Any]:
        """Precision/recall of the detectors in use (and the two built-in ones) on the held-out labelled answers."""
        heldout = dt.labelled_set("heldout")
        refusal = [self.get("patterns", "refused"), self.get("embedding", "refused")]
        if self.refusal in ("judge", "any"):
            refusal.append(self.refusal_detector())
        unsafe = [self.get("embedding", "unsafe")]
        if self.unsafe in ("judge", "reward"):
            unsafe.append(self.unsafe_detector())
        return {"refused": dt.measure(refusal, heldout, "refused"), "unsafe": dt.measure(unsafe, heldout, "unsafe")}


def audit(name: str, prompts: list[AuditPrompt], answers: list[list[str]], detectors: DetectorChoice,
          k: int) -> dict[str, Any]:
    records = score_samples(prompts, answers, detectors.refusal_detector(), detectors.unsafe_detector())
    result = summarise(name, records, k, {"refusal": detectors.refusal, "unsafe": detectors.unsafe})
    result["samples"] = records
    return result


def with_baseline(result: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    result["comparison"] = compare(result, baseline)
    result["baseline_result"] = {k: v for k, v in baseline.items() if k in ("target", "unsafe_compliance",
                                                                              "over_refusal")}
    return result


def write_audit(out_dir: Path, result: dict[str, Any], quality: dict[str, Any] | None) -> tuple[Path, Path]:
    """<target>.json (everything, samples included) and <target>.md beside it."""
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in result["target"])
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    atomic_write_json(json_path, {**result, "detector_quality": quality})
    atomic_write_text(md_path, markdown(result, quality) + "\n")
    return json_path, md_path
