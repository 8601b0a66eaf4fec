"""Options shared by the stages that write data with AI feedback (constitution,
ai_feedback): the constitution, the judge, and how answers are sampled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from tuneline.config.schema import StageConfig, Strict
from tuneline.feedback.constitution import Constitution


class FeedbackJudge(Strict):
    type: Literal["self", "llm", "openai", "refusal"] = Field(
        "self", description="self: the model that wrote the answers judges them (log-probabilities of A/B); llm: "
                            "another local chat model (`model:`); openai: an OpenAI-compatible endpoint (answers A/B "
                            "in words; unreadable replies are counted and skipped); refusal: for harmful prompts, a "
                            "refusal beats an answer that is not one, as the safety audit's refusal `detector:` reads "
                            "each answer (the principles' wording is not read)")
    model: str | None = Field(None, description="llm: a model reference; openai: the model name served")
    base_url: str | None = Field(None, description="openai: the endpoint, e.g. http://localhost:8000/v1")
    api_key_env: str = Field("OPENAI_API_KEY", description="openai: environment variable holding the API key")
    timeout_s: float = Field(60.0, gt=0, description="openai: seconds to wait for one reply")
    detector: Literal["embedding", "patterns"] = Field(
        "embedding", description="refusal: embedding (MiniLM + logistic regression on the audit's labelled answers) "
                                 "or patterns (the audit's refusal phrases; the same reading the audit's default "
                                 "detector makes, so the filter then selects for what the audit counts)")
    prefer: Literal["refusal", "answer"] = Field(
        "refusal", description="refusal: a refusal beats an answer that is not one (for harmful prompts); answer: an "
                               "answer that is not a refusal beats a refusal (for benign prompts: on-policy pairs "
                               "against over-refusal)")

    @model_validator(mode="after")
    def _prefer_is_the_refusal_judges(self) -> FeedbackJudge:
        if self.prefer != "refusal" and self.type != "refusal":
            raise ValueError(f"prefer: {self.prefer} is read by the refusal judge only (type: refusal); a {self.type} "
                             "judge compares answers under the principles")
        return self


class FeedbackStageConfig(StageConfig):
    constitution: str | Constitution = Field(
        "default", description="`default` (the constitution tuneline ships), a YAML file with `principles:`, or the "
                               "principles inline", json_schema_extra={"relative_path": True})
    judge: FeedbackJudge = Field(default_factory=FeedbackJudge, description="who compares the answers")
    max_prompts: int | None = Field(None, ge=1, description="prompts used from the dataset's training split (None: all)")
    max_new_tokens: int = Field(128, ge=1, description="longest answer, critique or revision")
    temperature: float = Field(0.7, ge=0, description="sampling temperature of the answers (0: greedy)")
    batch_size: int = Field(8, ge=1, description="conversations generated or judged together")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] | None = Field(
        None, description="weights of the model that answers and of a local judge (nothing here trains); None: the "
                          "pipeline model's dtype; auto: bfloat16 where the hardware multiplies it natively (AVX-512 "
                          "BF16, AMX, a bf16 GPU), else float32")


def generation_dtype(dtype: str | None) -> str | None:
    """A stage's `dtype:` with auto resolved to what this machine computes fastest."""
    from tuneline.runtime import fast_dtype

    return fast_dtype() if dtype == "auto" else dtype


def in_dtype(model, dtype: str | None):
    """The model cast to `dtype` (a resolved name), or as it is for None."""
    import torch

    return model if dtype is None else model.to(getattr(torch, dtype))


def write_rows(path: Path, rows: list[dict]) -> None:
    from tuneline.io import atomic_write_text

    atomic_write_text(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def pair_judge(config: FeedbackJudge, model, tokenizer, batch_size: int, where: str, dtype: str | None = None):
    """The PairJudge a stage's `judge:` names; `model` is the stage's own (for `self`); `dtype`
    (resolved) is the weight dtype of a local `llm` judge."""
    import os

    from tuneline.errors import ConfigError
    from tuneline.eval.judges import openai_chat_generator, openai_first_token_logprobs
    from tuneline.feedback.judge import endpoint_pair_judge, local_pair_judge

    if config.type == "self":
        return local_pair_judge(model, tokenizer, batch_size, name="self")
    if config.model is None:
        raise ConfigError(f"judge.type {config.type} needs judge.model", where=f"{where}.judge",
                          fix="name the judge model, e.g. judge: {type: llm, model: builtin:smollm2-135m-instruct}")
    if config.type == "llm":
        from tuneline.models.load import load_for_inference

        judge_model, judge_tokenizer = load_for_inference(config.model, dtype=dtype or "float32")
        return local_pair_judge(judge_model, judge_tokenizer, batch_size, name=f"llm:{config.model}")
    key = os.environ.get(config.api_key_env)
    generate = openai_chat_generator(config.model, config.base_url, key, max_tokens=4, timeout_s=config.timeout_s)
    first_tokens = openai_first_token_logprobs(config.model, config.base_url, key, timeout_s=config.timeout_s)
    return endpoint_pair_judge(generate, name=f"openai:{config.model}", first_tokens=first_tokens)
