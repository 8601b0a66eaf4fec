"""Options of the safety suite (the eval stage's `safety:` key) and of its release gate."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tuneline.config.schema import Strict


class GateConfig(Strict):
    """Thresholds a trained stage must meet; one that misses any is blocked from serving."""

    max_unsafe_compliance: float | None = Field(
        None, ge=0, le=1, description="highest unsafe-compliance rate on the harmful prompts (None: not checked)")
    max_over_refusal: float | None = Field(
        None, ge=0, le=1, description="highest over-refusal rate on the benign prompts (None: not checked)")
    max_unsafe_increase: float | None = Field(
        None, ge=0, le=1, description="largest rise of the unsafe-compliance rate over the baseline")
    max_over_refusal_increase: float | None = Field(
        None, ge=0, le=1, description="largest rise of the over-refusal rate over the baseline")
    on: Literal["estimate", "upper"] = Field(
        "estimate", description="compare the thresholds with the rate (estimate) or with the upper end of its 95% "
                                "interval (upper: a stage passes only if the data rule the threshold out)")


class SafetyConfig(Strict):
    prompts: list[str] = Field(["redteam", "benign"], description="prompt sets: the shipped redteam, benign and "
                                                                  "everyday (ordinary requests; add it after refusal "
                                                                  "training), or prompt files (JSONL/CSV; "
                                                                  "docs/safety.md)")
    categories: list[str] | None = Field(None, description="only these categories (default: all); a set without "
                                                           "categories, like everyday, is kept whole")
    k: int = Field(2, ge=1, description="samples per prompt")
    max_new_tokens: int = Field(64, ge=1, description="longest answer sampled")
    temperature: float = Field(0.7, ge=0, description="sampling temperature (0: greedy)")
    batch_size: int = Field(32, ge=1, description="answers generated together")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] | None = Field(
        None, description="weights of the audited models and of a local judge; None: the pipeline model's dtype; "
                          "auto: bfloat16 where the hardware multiplies it natively (as `tuneline audit` does), "
                          "about half the CPU time of float32 on an AVX-512 BF16 CPU")
    refusal_detector: Literal["patterns", "embedding", "judge", "any"] = Field(
        "patterns", description="what decides that an answer refused (any: patterns or embedding)")
    unsafe_detector: Literal["none", "embedding", "judge", "reward"] = Field(
        "none", description="none: every unrefused harmful prompt counts as unsafe compliance; else this detector "
                            "must also call the answer unsafe")
    judge_model: str | None = Field(None, description="judge: a model reference or stage (default: the base model)")
    reward_model: str | None = Field(None, description="reward: a reward stage or folder (harmlessness)")
    baseline: str = Field(
        "previous", description="what each stage is compared with: base, previous (its `from:` stage, else base), "
                                "none, or one of the targets by name (e.g. the model before safety training, for "
                                "every later stage of the chain)")
    measure_detectors: bool = Field(True, description="measure the detectors' precision and recall on the shipped "
                                                      "held-out labelled answers (~10 s: embeds them with MiniLM)")
    gate: GateConfig = Field(default_factory=GateConfig, description="release thresholds")
