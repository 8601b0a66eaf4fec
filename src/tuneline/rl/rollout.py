"""Rollouts: sample completions for a batch of prompts, then score every completion token
under the policy, the reference and the value function.

Layout: a sequence is [query (left-padded) | response (right-padded)], so every response
starts at the same column Q. The logits at position Q+t−1 predict response token t, and
the value at that position is V(s_t), the state before token t is chosen.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass

import torch

from tuneline.data.chat import tokenize_prompt
from tuneline.data.records import Message
from tuneline.models.padding import left_pad, positions_from_mask  # the same padding as serving


@dataclass
class RolloutBatch:
    prompts: list[list[Message]]
    query_ids: torch.Tensor  # [B, Q] left-padded
    query_mask: torch.Tensor  # [B, Q]
    response_ids: torch.Tensor  # [B, R] right-padded
    response_mask: torch.Tensor  # [B, R] 1 on generated tokens through the EOS
    finished: torch.Tensor  # [B] bool: the completion reached EOS
    texts: list[str]

    @property
    def input_ids(self) -> torch.Tensor:
        return torch.cat([self.query_ids, self.response_ids], dim=1)

    @property
    def attention_mask(self) -> torch.Tensor:
        return torch.cat([self.query_mask, self.response_mask], dim=1)

    @property
    def position_ids(self) -> torch.Tensor:
        # Positions count real tokens only, as generate() does under left padding.
        return positions_from_mask(self.attention_mask)

    def select(self, indices: torch.Tensor) -> RolloutBatch:
        rows = indices.tolist()
        return RolloutBatch([self.prompts[i] for i in rows], self.query_ids[indices], self.query_mask[indices],
                            self.response_ids[indices], self.response_mask[indices], self.finished[indices],
                            [self.texts[i] for i in rows])


def response_mask_through_eos(response_ids: torch.Tensor, eos_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """1 on tokens up to and including the first EOS (everything when there is none)."""
    is_eos = response_ids == eos_id
    finished = is_eos.any(dim=1)
    # Number of EOS tokens strictly before each position: 0 means still inside the answer.
    eos_before = torch.cumsum(is_eos.long(), dim=1) - is_eos.long()
    return (eos_before == 0).long(), finished


@torch.no_grad()
def generate_rollouts(policy, tokenizer, prompts: list[list[Message]], max_new_tokens: int,
                      temperature: float = 1.0, top_p: float = 1.0) -> RolloutBatch:
    """Sample one completion per prompt from `policy` (an unwrapped causal LM)."""
    eos_id = tokenizer.eos_token_id
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos_id
    device = next(policy.parameters()).device
    query_ids, query_mask = left_pad([tokenize_prompt(tokenizer, p) for p in prompts], pad_id)
    was_training = policy.training
    policy.eval()
    try:
        output = policy.generate(input_ids=query_ids.to(device), attention_mask=query_mask.to(device),
                                 max_new_tokens=max_new_tokens, do_sample=True, temperature=temperature,
                                 top_p=top_p, top_k=0, eos_token_id=eos_id, pad_token_id=pad_id)
    finally:
        policy.train(was_training)
    response_ids = output[:, query_ids.shape[1]:].cpu()
    response_mask, finished = response_mask_through_eos(response_ids, eos_id)
    response_ids = response_ids.masked_fill(response_mask == 0, pad_id)
    texts = [tokenizer.decode(ids[mask.bool()].tolist(), skip_special_tokens=True).strip()
             for ids, mask in zip(response_ids, response_mask, strict=False)]
    return RolloutBatch(prompts, query_ids, query_mask, response_ids, response_mask, finished, texts)


def response_logprobs(logits: torch.Tensor, batch: RolloutBatch, temperature: float) -> torch.Tensor:
    """log π(y_t | x, y_<t) of each response token, under the sampling temperature."""
    return taken_logprobs(torch.log_softmax(response_logits(logits, batch, temperature), dim=-1), batch)


def taken_logprobs(log_probs: torch.Tensor, batch: RolloutBatch) -> torch.Tensor:
    """[B, R, V] log-probs over the vocabulary → [B, R] log-probs of the response's tokens."""
    return torch.gather(log_probs, 2, batch.response_ids.to(log_probs.device).unsqueeze(-1)).squeeze(-1)


def response_values(values: torch.Tensor, batch: RolloutBatch) -> torch.Tensor:
    query_length, response_length = batch.query_ids.shape[1], batch.response_ids.shape[1]
    return values[:, query_length - 1: query_length + response_length - 1].float()


def response_logits(logits: torch.Tensor, batch: RolloutBatch, temperature: float) -> torch.Tensor:
    """The logits that predict each response token, scaled by the sampling temperature: positions
    Q−1 … Q+R−2, counted from the end, so the logits of the whole sequence and those of its last
    R+1 positions (`logits_to_keep`) give the same slice."""
    response_length = batch.response_ids.shape[1]
    return logits[:, -(response_length + 1):-1].float() / temperature


@functools.cache
def _accepts_logits_to_keep(model_class: type) -> bool:
    return "logits_to_keep" in inspect.signature(model_class.forward).parameters


def model_inputs(model, batch: RolloutBatch, device) -> dict[str, torch.Tensor | int]:
    """Forward arguments for scoring a rollout batch with `model` (a causal LM, PEFT-wrapped or
    not). Models that accept `logits_to_keep` compute the vocabulary projection only at the
    R+1 positions the response needs, not at the prompt's: ~10% of a 135M model's forward."""
    inputs = {"input_ids": batch.input_ids.to(device), "attention_mask": batch.attention_mask.to(device),
              "position_ids": batch.position_ids.to(device)}
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    if _accepts_logits_to_keep(type(base)):
        inputs["logits_to_keep"] = batch.response_ids.shape[1] + 1
    return inputs
