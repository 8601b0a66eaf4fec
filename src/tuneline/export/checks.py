"""Prove an export answers like the model it came from: greedy tokens of the exported
file reloaded by an independent loader against the merged model in memory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Held out from every tuneline training set: general prompts, one per kind of task.
CHECK_PROMPTS = [
    "What is the capital of France?",
    "Summarise: the cat sat on the mat because the sun was warm.",
    "Write a Python function that adds two numbers.",
    "Name three colours of the rainbow.",
    "Explain recursion in one sentence.",
    "How do I return a product I bought online?",
    "What is 12 + 30?",
    "Say hello in Spanish.",
]


@dataclass
class GreedyComparison:
    """Free-running: each model continues greedily on its own, so one early difference
    changes everything after it. Teacher-forced: the candidate predicts each next token of
    the reference's continuation given the reference's tokens so far (top-1 agreement)."""

    prompts: int
    identical_sequences: int  # prompts whose whole continuation matches
    identical_tokens: int  # positions holding the same token in both continuations
    compared_tokens: int
    teacher_forced_same: int = 0
    teacher_forced_total: int = 0

    @property
    def token_share(self) -> float:
        return self.identical_tokens / max(1, self.compared_tokens)

    def as_dict(self) -> dict[str, float | int]:
        return {"prompts": self.prompts, "identical_sequences": self.identical_sequences,
                "identical_tokens": self.identical_tokens, "compared_tokens": self.compared_tokens,
                "identical_token_share": round(self.token_share, 4),
                "teacher_forced_top1_share": round(self.teacher_forced_same / max(1, self.teacher_forced_total), 4)}


def _prompt_ids(tokenizer, prompt: str) -> list[int]:
    from tuneline.data.chat import tokenize_prompt

    return tokenize_prompt(tokenizer, [{"role": "user", "content": prompt}])


def greedy_tokens(model, tokenizer, prompt: str, max_new_tokens: int) -> list[int]:
    import torch

    ids = _prompt_ids(tokenizer, prompt)
    with torch.inference_mode():
        out = model.generate(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                             max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    return out[0, len(ids):].tolist()


def next_token_choices(model, prompt_ids: list[int], continuation: list[int]) -> list[int]:
    """The model's top-1 next token at each position of `continuation`, given what precedes it."""
    import torch

    with torch.inference_mode():
        logits = model(torch.tensor([prompt_ids + continuation])).logits[0]
    return logits[len(prompt_ids) - 1: len(prompt_ids) + len(continuation) - 1].argmax(-1).tolist()


def compare_greedy(reference, candidate, tokenizer, prompts: list[str], max_new_tokens: int = 32,
                   candidate_tokenizer=None) -> GreedyComparison:
    """Token-by-token agreement of `candidate` with `reference` under greedy decoding.
    Positions are compared up to the shorter continuation; a continuation that stops
    early counts its missing positions as different."""
    candidate_tokenizer = candidate_tokenizer or tokenizer
    result = GreedyComparison(len(prompts), 0, 0, 0)
    for prompt in prompts:
        want = greedy_tokens(reference, tokenizer, prompt, max_new_tokens)
        got = greedy_tokens(candidate, candidate_tokenizer, prompt, max_new_tokens)
        result.identical_sequences += want == got
        result.identical_tokens += sum(a == b for a, b in zip(want, got, strict=False))
        result.compared_tokens += max(len(want), len(got))
        forced = next_token_choices(candidate, _prompt_ids(candidate_tokenizer, prompt), want)
        result.teacher_forced_same += sum(a == b for a, b in zip(forced, want, strict=True))
        result.teacher_forced_total += len(want)
    return result


def load_gguf(path: str | Path):
    """(model, tokenizer) read back from a GGUF file by transformers' own GGUF loader."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(path)
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name)
    return model.eval(), tokenizer


def greedy_agreement(exported_folder: str | Path, target: str | Path, prompts: list[str],
                     max_new_tokens: int = 24) -> list[bool]:
    """For each prompt, whether the exported HF folder and the original (base + adapter,
    unmerged) produce the same greedy tokens."""
    from tuneline.models.load import load_for_inference

    exported, tokenizer = load_for_inference(str(exported_folder))
    original, _ = load_for_inference(str(target))
    return [greedy_tokens(exported, tokenizer, prompt, max_new_tokens)
            == greedy_tokens(original, tokenizer, prompt, max_new_tokens) for prompt in prompts]


def onnx_logit_gap(export_folder: str | Path, source_folder: str | Path, texts: list[str]) -> float:
    """Largest absolute difference between ONNX Runtime's and PyTorch's logits on `texts`."""
    import numpy as np

    from tuneline.export.onnx_classifier import OnnxClassifier
    from tuneline.models.classifier import load_saved_classifier, predict_logits, tokenize_texts

    runner = OnnxClassifier(export_folder)
    model, tokenizer, *_ = load_saved_classifier(source_folder)
    tokens = tokenize_texts(tokenizer, texts, max_length=128)
    return float(np.abs(runner.logits(tokens) - predict_logits(model, tokens, tokenizer.pad_token_id)).max())


def check_export(result, target: str | Path, count: int, max_new_tokens: int = 32) -> dict:
    """The `--check N` report of an export: does it answer like what it came from?"""
    prompts = CHECK_PROMPTS[:count]
    fmt = result.record["format"]
    if fmt == "onnx":
        gap = onnx_logit_gap(result.output, result.record["origin"]["model"], prompts)
        return {"format": fmt, "texts": len(prompts), "max_abs_logit_gap": gap, "ok": gap <= 1e-4}
    if fmt == "hf":
        same = greedy_agreement(result.output, target, prompts, max_new_tokens)
        return {"format": fmt, "prompts": len(same), "same_greedy_tokens": sum(same), "ok": all(same)}
    model, tokenizer = load_gguf(result.gguf_path)
    comparison = compare_greedy(result.source.model, model, result.source.tokenizer, prompts, max_new_tokens,
                                candidate_tokenizer=tokenizer)
    exact = result.record["quant"] == "f16"  # quantised weights may change a token; f16 must not
    return {"format": fmt, "quant": result.record["quant"], **comparison.as_dict(),
            "ok": comparison.identical_sequences == comparison.prompts or not exact}
