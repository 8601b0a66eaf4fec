"""Token log-probabilities computed only where they are needed.

A causal LM's vocabulary projection (49k columns for SmolLM2) dominates the cost of a
forward pass on short examples, and most positions (the prompt, padding) carry no label.
We run the decoder, pick the hidden states that predict a labelled token, and project
only those, in chunks, so the full (batch, length, vocab) logits tensor never exists.
"""

from __future__ import annotations

from tuneline.data.chat import IGNORE_INDEX

CHUNK = 1024  # positions projected at once; bounds the (positions, vocab) buffer


def _unwrap(model):
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def _supports_selective_projection(model, base) -> bool:
    config = base.config
    return not (getattr(config, "final_logit_softcapping", None) or getattr(config, "logit_scale", None)) and hasattr(
        base, "get_decoder") and not _fsdp_sharded(model)


def _fsdp_sharded(model) -> bool:
    """Sharded by FSDP (train/sharding.py): only the model's own forward gathers its outer unit."""
    return bool(getattr(model, "_is_fsdp_managed_module", False))


def labelled_token_logprobs(model, input_ids, attention_mask, labels):
    """Log-probability of each labelled token, flattened, and the row each belongs to.

    Returns (logprobs[N], rows[N]) for the N positions with a label (after the usual
    one-position shift), under the current adapters/autocast of `model`.
    """
    import torch

    targets = labels[:, 1:]
    selected = targets != IGNORE_INDEX
    rows = selected.nonzero(as_tuple=True)[0]
    base = _unwrap(model)
    if _supports_selective_projection(model, base):
        hidden = base.get_decoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        hidden = hidden[:, :-1][selected]
        head = base.get_output_embeddings()
        pieces = []
        for start in range(0, hidden.shape[0], CHUNK):
            logits = head(hidden[start:start + CHUNK]).float()
            chosen = targets[selected][start:start + CHUNK]
            pieces.append(logits.gather(-1, chosen[:, None]).squeeze(-1) - torch.logsumexp(logits, dim=-1))
        logprobs = torch.cat(pieces) if pieces else hidden.new_zeros(0)
    else:  # models with logit soft-capping or scaling: the plain full forward
        logits = model(input_ids=input_ids, attention_mask=attention_mask).logits[:, :-1].float()
        logprobs = torch.log_softmax(logits, dim=-1).gather(-1, targets.clamp(min=0)[..., None]).squeeze(-1)[selected]
    return logprobs, rows


def sequence_logprobs(model, input_ids, attention_mask, labels):
    """Sum of labelled-token log-probabilities per row (DPO's log π(y|x)), and token counts."""
    import torch

    logprobs, rows = labelled_token_logprobs(model, input_ids, attention_mask, labels)
    batch = input_ids.shape[0]
    totals = torch.zeros(batch, dtype=logprobs.dtype, device=logprobs.device).index_add(0, rows, logprobs)
    counts = torch.bincount(rows, minlength=batch)
    return totals, counts


def causal_lm_loss(model, input_ids, attention_mask, labels):
    """Mean negative log-likelihood over labelled tokens (SFT loss), and their count."""
    logprobs, _ = labelled_token_logprobs(model, input_ids, attention_mask, labels)
    return -logprobs.mean(), logprobs.numel()
