"""PPO rollouts sampled by vLLM (GPU): before each step the policy's LoRA adapter is saved
to a fresh folder and handed to vLLM under a new id, so every batch is sampled from the
weights as they are at that step. Log-probabilities are still computed by the policy."""

from __future__ import annotations

import shutil
from pathlib import Path

from tuneline.data.chat import tokenize_prompt
from tuneline.data.records import Message
from tuneline.rl.rollout import RolloutBatch, rollouts_from_answers


class VllmRollouts:
    def __init__(self, base_path: str, lora_rank: int, folder: Path, seed: int):
        from tuneline.models.vllm_generate import VllmGenerator

        self.generator = VllmGenerator(base_path, max_lora_rank=lora_rank, seed=seed)
        self.folder = Path(folder)
        self._previous: Path | None = None

    def sync(self, policy, step: int) -> None:
        """Hand vLLM the policy's adapter as it is now (a PEFT model's save_pretrained)."""
        adapter = self.folder / f"step-{step}"
        policy.save_pretrained(str(adapter))
        self.generator.use_adapter(adapter)
        if self._previous is not None:
            shutil.rmtree(self._previous, ignore_errors=True)
        self._previous = adapter

    def sample(self, policy, tokenizer, prompts: list[list[Message]], step: int, max_new_tokens: int,
               temperature: float, top_p: float) -> RolloutBatch:
        self.sync(policy, step)
        answers = self.generator.generate([tokenize_prompt(tokenizer, p) for p in prompts], max_new_tokens,
                                          temperature, top_p, tokenizer.eos_token_id)
        return rollouts_from_answers(tokenizer, prompts, answers, max_new_tokens)
