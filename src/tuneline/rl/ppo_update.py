"""One PPO update: several epochs of clipped policy and value steps over minibatches of
an experience batch (Schulman et al. 2017, arXiv 1707.06347, Algorithm 1)."""

from __future__ import annotations

import torch

from tuneline.rl.experience import Experience
from tuneline.rl.kl import exact_kl
from tuneline.rl.losses import clipped_policy_loss, clipped_value_loss, entropy_from_logits
from tuneline.rl.rollout import model_inputs, response_logits, response_values, taken_logprobs
from tuneline.rl.stats import masked_mean


def ppo_update(model, optimizer, accelerator, experience: Experience, config, bf16: bool = False,
               kl_coef: float = 0.0) -> dict[str, float]:
    """Runs config.ppo_epochs × ⌈B / minibatch_size⌉ optimizer steps; returns mean diagnostics.
    When the experience carries the reference's distributions (kl_penalty: loss), the loss adds
    β·E_t[KL(π(·|s_t) ‖ π_ref(·|s_t))], the exact per-token KL, instead of the reward's −β·KL_t.

    With config.kl_limit, each minibatch first measures the current policy's KL to the reference
    per completion (mean over processes, so that all of them stop together). Past the limit, that
    minibatch's step drops the policy loss, pulling the policy back toward the reference (the
    value loss stays), and the update ends there: a hard bound beside β's soft one, like the
    early stop on the KL to the old policy in Schulman et al.'s baselines, but measured against
    the reference."""
    device = accelerator.device
    size = experience.mask.shape[0]
    totals: dict[str, float] = {}
    updates = 0
    stopped = False
    kl_limit = config.kl_limit
    model.train()
    unwrapped = accelerator.unwrap_model(model)
    for _ in range(config.ppo_epochs):
        if stopped:
            break
        order = torch.randperm(size)
        for start in range(0, size, config.minibatch_size):
            part = experience.select(order[start:start + config.minibatch_size])
            batch = part.batch
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bf16):
                logits, values = model(**model_inputs(unwrapped.policy, batch, device))
            scaled = response_logits(logits, batch, config.temperature)
            log_probs = torch.log_softmax(scaled, dim=-1)
            logprobs = taken_logprobs(log_probs, batch)
            mask = part.mask.to(device)
            policy = clipped_policy_loss(logprobs, part.old_logprobs.to(device), part.advantages.to(device), mask,
                                         config.clip_range)
            value_loss, value_clip_fraction = clipped_value_loss(
                response_values(values, batch), part.old_values.to(device), part.returns.to(device), mask,
                config.value_clip_range)
            loss = policy.loss + config.value_loss_coef * value_loss
            kl_loss = token_kl = pull_back = None
            if part.reference_log_probs is not None:
                token_kl = exact_kl(log_probs, part.reference_log_probs.to(device))
                kl_loss = pull_back = masked_mean(token_kl, mask)
                loss = loss + kl_coef * kl_loss
            elif kl_limit is not None:  # sampled tokens only: k1 to measure, k2 = ½(log π − log π_ref)² to pull back
                token_kl = logprobs - part.reference_logprobs.to(device)
                pull_back = masked_mean(0.5 * token_kl.square(), mask)
            if token_kl is not None:  # KL(π‖π_ref) per completion, of the policy as it is before this minibatch
                sequence_kl = (token_kl.detach() * mask).sum(dim=1).mean()
                if kl_limit is not None and accelerator.num_processes > 1:
                    sequence_kl = accelerator.reduce(sequence_kl, "mean")
                totals["update_kl"] = totals.get("update_kl", 0.0) + float(sequence_kl)
                if kl_limit is not None and float(sequence_kl) > kl_limit:
                    # the value loss stays: value learning is not what moved the policy, and under
                    # DDP every parameter must take part in each backward
                    loss, stopped = pull_back + config.value_loss_coef * value_loss, True
            accelerator.backward(loss)
            accelerator.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], config.max_grad_norm)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            with torch.no_grad():
                entropy = masked_mean(entropy_from_logits(scaled.detach()), mask)
            for key, value in (("policy_loss", policy.loss), ("value_loss", value_loss),
                               ("clip_fraction", policy.clip_fraction), ("approx_kl", policy.approx_kl),
                               ("value_clip_fraction", value_clip_fraction), ("entropy", entropy),
                               ("kl_loss", kl_loss)):
                if value is not None:
                    totals[key] = totals.get(key, 0.0) + float(value.detach())
            updates += 1
            if stopped:
                break
    diagnostics = {key: value / updates for key, value in totals.items()}
    if kl_limit is not None:
        diagnostics.update(updates=float(updates), kl_limit_hit=float(stopped))
    return diagnostics
