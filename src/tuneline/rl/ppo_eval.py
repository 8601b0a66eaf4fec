"""Held-out evaluation of a policy during PPO: mean reward and KL to the reference on
prompts it never trains on, and sample completions for the log."""

from __future__ import annotations

import torch

from tuneline.data.records import Message
from tuneline.io import JsonlLog
from tuneline.models.reference import Reference
from tuneline.rl.experience import policy_and_reference_logprobs
from tuneline.rl.kl import per_token_kl
from tuneline.rl.rewards import check_rewards
from tuneline.rl.rollout import generate_rollouts


def evaluate_policy(policy, tokenizer, prompts: list[list[Message]], reward, reference: Reference, accelerator,
                    seed: int, max_new_tokens: int, temperature: float, top_p: float = 1.0,
                    batch_size: int = 8, sampler=None) -> dict[str, float]:
    """Sample at the training temperature (so Σ_t log π/π_ref estimates the true KL), with a
    fixed seed so before and after see comparable draws; sums are reduced across processes.
    `sampler` (rl.merged) may supply a faster model with the policy's weights to sample from."""
    totals = torch.zeros(5, dtype=torch.float64)  # count, reward, reward², kl, length
    was_training = policy.training
    policy.eval()  # no dropout: the KL of the entering policy to its reference is then exactly 0
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed + 7919 * (accelerator.process_index if accelerator is not None else 0))
        for start in range(0, len(prompts), batch_size):
            chunk = prompts[start:start + batch_size]
            batch = generate_rollouts(sampler.current() if sampler else policy, tokenizer, chunk, max_new_tokens, temperature, top_p)
            rewards = torch.tensor(check_rewards(reward(chunk, batch.texts), len(chunk),
                                                 getattr(reward, "name", "reward"), 0), dtype=torch.float64)
            logprobs, reference_logprobs = policy_and_reference_logprobs(policy, batch, temperature, reference)
            kl = (per_token_kl(logprobs, reference_logprobs) * batch.response_mask).sum(1).double()
            totals += torch.stack([torch.tensor(float(len(chunk)), dtype=torch.float64), rewards.sum(),
                                   (rewards**2).sum(), kl.sum(), batch.response_mask.sum().double()])
    policy.train(was_training)
    if accelerator is not None:
        totals = accelerator.reduce(totals.to(accelerator.device), "sum").cpu()
    count = max(totals[0].item(), 1.0)
    mean = totals[1].item() / count
    std = max(totals[2].item() / count - mean**2, 0.0) ** 0.5
    return {"reward_mean": mean, "reward_std": std, "reward_se": std / count**0.5,
            "kl": totals[3].item() / count, "completion_length": totals[4].item() / count, "prompts": count}


def log_samples(log: JsonlLog, step: int, prompts: list[list[Message]], completions: list[str],
                rewards: list[float], count: int = 3) -> None:
    samples = [{"prompt": p[-1]["content"], "completion": c, "reward": r}
               for p, c, r in list(zip(prompts, completions, rewards, strict=False))[:count]]
    log.write(step=step, samples=samples)
