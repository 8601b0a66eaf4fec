"""Letting a chat model choose among fixed answers by log-probability, without sampling:
each option is scored as the assistant's whole reply (its tokens and the end-of-turn), and
the highest total log π(option | prompt) wins. Used for zero-shot classification (the
label names are the options) and for yes/no judges (P(yes) against P(no))."""

from __future__ import annotations

from collections.abc import Sequence

from tuneline.data.chat import tokenize_conversation
from tuneline.data.records import Message
from tuneline.models.padding import pad_batch
from tuneline.progress import bar
from tuneline.train.logprobs import sequence_logprobs


def reply_logprobs(model, tokenizer, prompts: Sequence[list[Message]], replies: Sequence[str],
                   max_length: int = 1024, batch_size: int = 8, desc: str = "scoring replies") -> list[float]:
    """log π(reply_i | prompt_i) summed over the reply's tokens, one per (prompt, reply)."""
    import torch

    examples = [tokenize_conversation(tokenizer, [*prompt, {"role": "assistant", "content": reply}], max_length,
                                      first_labelled_turn=len(prompt))
                for prompt, reply in zip(prompts, replies, strict=True)]
    order = sorted(range(len(examples)), key=lambda i: len(examples[i].input_ids))
    totals = [0.0] * len(examples)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for start in bar(range(0, len(order), batch_size), desc=desc, unit="batch"):
            rows = order[start:start + batch_size]
            batch = pad_batch([examples[i].input_ids for i in rows], [examples[i].labels for i in rows],
                              tokenizer.pad_token_id)
            scores, _ = sequence_logprobs(model, **{k: v.to(device) for k, v in batch.items()})
            for row, score in zip(rows, scores.tolist(), strict=True):
                totals[row] = score
    model.train(was_training)
    return totals


def choose(model, tokenizer, prompts: Sequence[list[Message]], options: Sequence[str],
           batch_size: int = 8, desc: str = "choosing by log-probability") -> list[list[float]]:
    """Per prompt, the log-probability of each option as the reply (rows: prompts)."""
    flat_prompts = [prompt for prompt in prompts for _ in options]
    flat_options = [option for _ in prompts for option in options]
    scores = reply_logprobs(model, tokenizer, flat_prompts, flat_options, batch_size=batch_size, desc=desc)
    width = len(options)
    return [scores[row * width:(row + 1) * width] for row in range(len(prompts))]


def yes_probability(model, tokenizer, prompts: Sequence[list[Message]], batch_size: int = 8,
                    desc: str = "yes/no judge") -> list[float]:
    """P(yes) / (P(yes) + P(no)) for replies "yes" and "no" to each prompt: a judge that
    reads the model's belief instead of parsing free text."""
    import math

    scores = choose(model, tokenizer, prompts, ["yes", "no"], batch_size=batch_size, desc=desc)
    return [1.0 / (1.0 + math.exp(max(-50.0, min(50.0, no - yes)))) for yes, no in scores]


def first_token_choice(model, tokenizer, conversations: Sequence[list[Message]], options: Sequence[Sequence[str]],
                       batch_size: int = 8) -> list[list[float]]:
    """For each conversation, the probability of each option as the first token of the
    assistant's reply, normalised over the options. An option is a set of spellings
    ("yes", "Yes", " yes"): its probability is the sum over their first tokens. One forward
    pass per batch, left-padded with positions counted over real tokens, so a conversation
    gets the same figure alone or in a batch. (`choose` scores whole replies instead.)"""
    import torch

    from tuneline.data.chat import tokenize_prompt
    from tuneline.models.padding import left_pad, positions_from_mask

    ids = [sorted({tokenizer(word, add_special_tokens=False)["input_ids"][0] for word in option}) for option in options]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    device = next(model.parameters()).device
    prompts = [tokenize_prompt(tokenizer, messages) for messages in conversations]
    out: list[list[float]] = []
    with torch.no_grad():
        for start in range(0, len(prompts), batch_size):
            input_ids, mask = left_pad(prompts[start:start + batch_size], pad_id)
            logits = model(input_ids=input_ids.to(device), attention_mask=mask.to(device),
                           position_ids=positions_from_mask(mask).to(device)).logits[:, -1, :].float()
            log_probs = torch.log_softmax(logits, dim=-1)
            per_option = torch.stack([torch.logsumexp(log_probs[:, group], dim=-1) for group in ids], dim=-1)
            out.extend(torch.softmax(per_option, dim=-1).tolist())
    return out
