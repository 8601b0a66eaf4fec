"""A cell's quality: its policy answers the held-out prompts, the study's judge scores the
answers; the win rate is against the start's answers to the same prompts (same seed), and
the KL to the start is estimated on the policy's own samples (Σ_t log π − log π_start)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from tuneline.data.records import Message
from tuneline.study.config import Evaluation, PromptArm


def held_out_prompts(start_pipeline: dict[str, Any], evaluation: Evaluation) -> list[list[Message]]:
    from tuneline.config.schema import DatasetConfig
    from tuneline.data.load import load_splits
    from tuneline.errors import ConfigError

    datasets = start_pipeline.get("datasets", {})
    if evaluation.dataset not in datasets:
        raise ConfigError(f"evaluation.dataset: '{evaluation.dataset}' is not a dataset of the start pipeline",
                          where="evaluation.dataset", fix=f"use one of: {', '.join(datasets) or 'none'}")
    splits = load_splits(DatasetConfig(**datasets[evaluation.dataset]), task="prompt",
                         seed=start_pipeline.get("seed", 42), name=evaluation.dataset)
    return [p.messages for p in (splits.eval or splits.train)[: evaluation.max_prompts]]


def prompted(messages: list[Message], arm: PromptArm | None) -> list[Message]:
    """The conversation as the prompt arm shows it: system message, example turns, then the question."""
    if arm is None:
        return messages
    system, rest = ([messages[0]["content"]], messages[1:]) if messages and messages[0]["role"] == "system" \
        else ([], messages)
    if arm.system:
        system.insert(0, arm.system)
    shots: list[Message] = []
    for shot in arm.few_shot:
        shots += [{"role": "user", "content": shot["user"]}, {"role": "assistant", "content": shot["assistant"]}]
    head: list[Message] = [{"role": "system", "content": "\n\n".join(system)}] if system else []
    return [*head, *shots, *rest]


def load_policy(run_dir: Path, stage: str, reference_stage: str | None):
    """(policy, tokenizer, Reference or None): the stage's adapter on its base, with the
    reference stage's adapter loaded beside it as a frozen second adapter."""
    from peft import PeftModel

    from tuneline.models.artifacts import resolve_artifact
    from tuneline.models.load import load_adapter_base, load_for_inference
    from tuneline.models.reference import Reference

    artifact = resolve_artifact(run_dir / stage)
    if artifact.kind != "adapter":
        model, tokenizer = load_for_inference(run_dir / stage)
        return model, tokenizer, None
    base, tokenizer, _ = load_adapter_base(artifact)
    model = PeftModel.from_pretrained(base, str(artifact.path))
    reference = None
    if reference_stage is not None:
        start = resolve_artifact(run_dir / reference_stage)
        if start.kind == "adapter":
            model.load_adapter(str(start.path), adapter_name="start")
            model.set_adapter("default")
            reference = Reference(f"stage '{reference_stage}'", adapter="start")
    model.eval()
    return model, tokenizer, reference


def answer_and_judge(policy, tokenizer, prompts: list[list[Message]], judge, evaluation: Evaluation, seed: int,
                     arm: PromptArm | None = None, reference=None) -> dict[str, Any]:
    """Per-prompt judge scores and answer lengths, and the mean KL to `reference` if given."""
    import torch

    from tuneline.rl.experience import policy_and_reference_logprobs
    from tuneline.rl.kl import per_token_kl
    from tuneline.rl.rollout import generate_rollouts

    scores: list[float] = []
    lengths: list[float] = []
    kls: list[float] = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(10_007 * seed)
        for start in range(0, len(prompts), evaluation.batch_size):
            chunk = prompts[start:start + evaluation.batch_size]
            batch = generate_rollouts(policy, tokenizer, [prompted(p, arm) for p in chunk], evaluation.max_new_tokens,
                                      evaluation.temperature)
            scores += [float(s) for s in judge(chunk, batch.texts)]
            lengths += batch.response_mask.sum(1).float().tolist()
            if reference is not None:
                logprobs, reference_logprobs = policy_and_reference_logprobs(policy, batch, evaluation.temperature,
                                                                             reference)
                kls += (per_token_kl(logprobs, reference_logprobs) * batch.response_mask).sum(1).tolist()
    out: dict[str, Any] = {"scores": scores, "judge_score": statistics.fmean(scores),
                           "answer_length": statistics.fmean(lengths)}
    if kls:
        out["kl_to_start"] = statistics.fmean(kls)
    return out


def win_rate(scores: list[float], start_scores: list[float]) -> float:
    """Share of prompts whose answer the judge scores above the start's, ties counting half."""
    pairs = list(zip(scores, start_scores, strict=True))
    return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in pairs) / len(pairs)
