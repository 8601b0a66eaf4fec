"""Reward sources for online methods (PPO, GRPO, RLOO): a trained reward model, a Python
function named `module:function` (or `path/to/file.py:function`), or a weighted sum.

Every source is called as `source(prompts, completions) -> list[float]`, where `prompts` are
canonical message lists and `completions` the generated answer texts. What a user-written
function returns is checked here, so a bad reward stops the run with an error that names
the function and the batch instead of silently poisoning the policy.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tuneline.data.records import Message
from tuneline.errors import ConfigError, UserError

RewardFn = Callable[[list[list[Message]], list[str]], list[float]]


class RewardError(UserError):
    """A reward source failed or returned something unusable."""


def check_rewards(values: Any, expected: int, name: str, batch: int) -> list[float]:
    """Rewards as floats, or a RewardError naming the source and the batch."""
    where = f"reward '{name}', batch {batch}"
    try:
        values = [float(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise RewardError(f"returned something that is not a list of numbers ({exc})", where=where,
                          fix="return one float per completion") from None
    if len(values) != expected:
        raise RewardError(f"returned {len(values)} rewards for {expected} completions", where=where,
                          fix="return exactly one float per completion, in order")
    bad = [i for i, v in enumerate(values) if not math.isfinite(v)]
    if bad:
        raise RewardError(f"returned a non-finite reward (NaN or inf) for completion {bad[0]} of the batch",
                          where=where, fix="make the function return a finite number for every completion")
    return values


def import_function(spec: str, search_dirs: Sequence[Path] = ()) -> Callable[..., Any]:
    """`package.module:function` or `path/to/file.py:function` → the function."""
    module_name, sep, function_name = spec.rpartition(":")
    if not sep or not module_name or not function_name:
        raise ConfigError(f"reward function '{spec}' is not of the form module:function",
                          fix="write e.g. my_rewards:length_penalty or rewards.py:length_penalty")
    if module_name.endswith(".py"):
        candidates = [Path(module_name)] + [Path(d) / module_name for d in search_dirs]
        path = next((p for p in candidates if p.exists()), None)
        if path is None:
            raise ConfigError(f"reward file '{module_name}' not found", fix="give a path relative to the working "
                              "directory or the pipeline file")
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        extra = [str(d) for d in search_dirs if str(d) not in sys.path]
        sys.path[:0] = extra
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(f"cannot import reward module '{module_name}': {exc}",
                              fix="check the name and that the module is on PYTHONPATH") from None
        finally:
            for entry in extra:
                sys.path.remove(entry)
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ConfigError(f"'{module_name}' has no function '{function_name}'", fix="check the name after the colon")
    return function


class FunctionReward:
    """A user's Python function; its errors and bad outputs become RewardErrors."""

    def __init__(self, spec: str, search_dirs: Sequence[Path] = ()):
        self.name = spec
        self.function = import_function(spec, search_dirs)
        self.calls = 0

    def __call__(self, prompts: list[list[Message]], completions: list[str]) -> list[float]:
        self.calls += 1
        try:
            values = self.function(prompts, completions)
        except Exception as exc:  # the user's code: any failure is reported, with its type
            raise RewardError(f"raised {type(exc).__name__}: {exc}", where=f"reward '{self.name}', batch {self.calls}",
                              fix="fix the function; it receives (prompts, completions) and returns floats") from exc
        return check_rewards(values, len(completions), self.name, self.calls)


# Stored in a reward model's config.json by the `reward` stage, so every scorer (PPO, GRPO,
# RLOO, `tuneline score`, eval) shows the model what it was trained on.
CONTEXT_KEY = "tuneline_reward_context_messages"
# Likewise "mean" when a causal LM's score head reads the mean of the final hidden states over the
# sequence's tokens instead of the last token's (the `reward` stage's `pooling: mean`), or "answer"
# when it reads their mean over the answer's tokens only (`pooling: answer`).
POOLING_KEY = "tuneline_reward_pooling"
POOLED = ("mean", "answer")  # the POOLING_KEY values whose head reads pooled_states
# With `pooling: answer`: the token ids the chat template puts before an assistant turn
# ("<|im_start|>assistant\n"); the answer is what follows their last occurrence.
ANSWER_MARKER_KEY = "tuneline_reward_answer_marker"


def answer_marker(tokenizer) -> list[int] | None:
    """Token ids of the chat template's generation prompt (what opens an assistant turn), or None
    for a tokenizer without a chat template, or one whose generation prompt is empty."""
    if not getattr(tokenizer, "chat_template", None):
        return None
    turn = [{"role": "user", "content": "Hi"}]
    opened = tokenizer.apply_chat_template(turn, add_generation_prompt=True, tokenize=False)
    closed = tokenizer.apply_chat_template(turn, add_generation_prompt=False, tokenize=False)
    if not opened.startswith(closed) or opened == closed:
        return None
    return list(tokenizer(opened[len(closed):], add_special_tokens=False)["input_ids"]) or None


def answer_mask(input_ids, attention_mask, marker: list[int]):
    """1 on the tokens after the last occurrence of `marker` in each row (the answer and its
    end-of-turn tokens), 0 elsewhere. The marker's last token (the newline after "assistant") is
    matched as any token, because an answer that opens with whitespace merges with it ("\n\n",
    "\n  "): the answer then starts after that merged token. A row without the marker keeps its
    whole mask (the marker was cut off)."""
    import torch

    mask = attention_mask.clone()
    width = len(marker)
    head = marker[:-1] if width > 1 else marker
    if input_ids.shape[1] < width:
        return mask
    windows = input_ids.unfold(1, len(head), 1)[:, : input_ids.shape[1] - width + 1] == torch.tensor(
        head, device=input_ids.device)
    found = windows.all(-1) & attention_mask[:, width - 1:].bool()
    positions = torch.arange(found.shape[1], device=input_ids.device)
    last = torch.where(found, positions, torch.full_like(positions, -1)).max(1).values
    for row, start in enumerate(last.tolist()):
        if start >= 0:
            mask[row, : start + width] = 0
    return mask


def pooled_states(model, batch: dict):
    """What the score head of a causal LM trained with `pooling: mean` or `answer` reads: the
    final hidden states averaged over each row's unpadded tokens (mean) or its answer (answer).
    `model` is the sequence-classification model itself (not a PEFT wrapper)."""
    hidden = getattr(model, model.base_model_prefix)(**batch).last_hidden_state
    mask = batch["attention_mask"]
    if getattr(model.config, POOLING_KEY, None) == "answer":
        mask = answer_mask(batch["input_ids"], mask, getattr(model.config, ANSWER_MARKER_KEY))
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1)


def reward_scores(model, batch: dict):
    """One score per row of a right-padded batch (input_ids, attention_mask): the model's own head
    or, for a causal LM trained with `pooling: mean` or `answer`, that head on the pooled final
    hidden states (pooled_states). (Under causal attention the prompt's vectors are the same for two
    answers to it, so a mean over every token differs between them through the answers' tokens.)"""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model  # under a LoRA adapter
    if getattr(inner.config, POOLING_KEY, None) not in POOLED:
        return model(**batch).logits[:, 0]
    return inner.score(pooled_states(inner, batch))[:, 0]


def reward_model_inputs(tokenizer, messages: list[Message], max_length: int,
                        context_messages: int | None = None) -> list[int]:
    """Token ids a reward model scores: the conversation through the one chat renderer (ending
    with EOS for chat models, [CLS] … [SEP] for encoders), cut from the left so the answer —
    whose last token carries the score in causal models — is always kept. `context_messages`
    keeps only that many messages before the answer (0: the answer alone; None: all of them)."""
    from tuneline.data.chat import assistant_spans, tokenize_conversation

    if context_messages is not None:
        messages = messages[max(0, len(messages) - 1 - context_messages):]
    if getattr(tokenizer, "chat_template", None):
        ids = tokenize_conversation(tokenizer, messages).input_ids
    else:
        text, _ = assistant_spans(tokenizer, messages)
        ids = tokenizer(text.rstrip(), add_special_tokens=True)["input_ids"]
        if len(ids) > max_length:  # keep the [CLS] marker the encoder pools from
            return ids[:1] + ids[len(ids) - max_length + 1:]
    return ids[-max_length:]


def score_sequences(model, tokenizer, sequences: list[list[int]], batch_size: int = 8) -> list[float]:
    """Scalar scores of a sequence-classification model (num_labels=1), right-padded batches."""
    import torch

    from tuneline.models.padding import pad_batch
    from tuneline.progress import batch_bar

    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    device = next(model.parameters()).device
    scores: list[float] = []
    progress = batch_bar(len(sequences), batch_size, desc="scoring", unit="answer")
    with torch.no_grad():
        for start in range(0, len(sequences), batch_size):
            batch = pad_batch(sequences[start:start + batch_size], None, pad_id)
            scores.extend(reward_scores(model, {k: v.to(device) for k, v in batch.items()}).float().tolist())
            progress.update(len(batch["input_ids"]))
    progress.close()
    return scores


def load_reward_model(target: str | Path):
    """(model, tokenizer) of a reward model: a run directory (its last reward stage), a reward
    stage's folder, its model/, any one-output sequence-classification folder, or a reference."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from tuneline.errors import ModelError
    from tuneline.models.artifacts import resolve_artifact
    from tuneline.models.registry import resolve_model_path

    path = Path(str(target))
    resolved = str(resolve_artifact(path, role="reward").path) if path.exists() else resolve_model_path(str(target))
    try:
        model = AutoModelForSequenceClassification.from_pretrained(resolved)
        tokenizer = AutoTokenizer.from_pretrained(resolved)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load a reward model from '{target}': {exc}",
                         fix="give the folder of a `reward` stage, or a sequence-classification model") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    model.eval()
    return model, tokenizer


class RewardModelReward:
    """Scores from a trained reward model (the `reward` stage's model/ folder)."""

    def __init__(self, target: str | Path, max_length: int = 512, batch_size: int = 8):
        self.name = f"reward model {target}"
        self.model, self.tokenizer = load_reward_model(target)
        positions = getattr(self.model.config, "max_position_embeddings", None)  # an encoder's hard limit
        self.max_length = min(max_length, positions) if positions else max_length
        self.batch_size = batch_size
        self.context_messages = getattr(self.model.config, CONTEXT_KEY, None)
        self.flops = 0.0  # of every scoring pass so far (train.flops; the head is one row per answer)

    def __call__(self, prompts: list[list[Message]], completions: list[str]) -> list[float]:
        from tuneline.models.load import transformers_errors_only
        from tuneline.train.flops import ModelShape, forward_flops

        with transformers_errors_only():  # "longer than the model's maximum": the inputs are cut to fit
            sequences = [reward_model_inputs(self.tokenizer, [*p, {"role": "assistant", "content": c}],
                                             self.max_length, self.context_messages) for p, c in zip(prompts, completions, strict=False)]
        shape = ModelShape.of(self.model)
        self.flops += sum(forward_flops(shape, len(s), head_tokens=1) for s in sequences)
        return score_sequences(self.model, self.tokenizer, sequences, self.batch_size)


class WeightedReward:
    """Σ_i w_i · r_i(prompts, completions) over several sources."""

    def __init__(self, sources: list[tuple[float, RewardFn]]):
        self.sources = sources
        self.name = " + ".join(f"{w}·{getattr(s, 'name', s)}" for w, s in sources)

    def __call__(self, prompts: list[list[Message]], completions: list[str]) -> list[float]:
        total = [0.0] * len(completions)
        for weight, source in self.sources:
            for i, value in enumerate(source(prompts, completions)):
                total[i] += weight * value
        return total


def reward_flops(reward) -> float:
    """FLOPs the reward models among a reward's sources have spent so far (functions: none counted)."""
    if isinstance(reward, WeightedReward):
        return sum(reward_flops(source) for _, source in reward.sources)
    return float(getattr(reward, "flops", 0.0))
