"""vLLM generation for GPU runs: PPO rollouts and eval answers (HF generate everywhere
else; `runtime.generation_backend` decides). Imported only where vllm and CUDA are present.

A LoRA policy reaches vLLM as a PEFT adapter folder in a LoRARequest. vLLM caches an
adapter by its integer id, so each sync (each PPO step) saves the adapter to a new folder
and gives it a new id: the next rollouts use the weights as they are now.
"""

from __future__ import annotations

from pathlib import Path


class VllmGenerator:
    """One vLLM engine on a base model, answering token-id prompts with or without an adapter."""

    def __init__(self, base_path: str, max_lora_rank: int = 16, dtype: str = "auto", seed: int = 0,
                 gpu_memory_utilization: float = 0.3):
        from vllm import LLM

        # the training process holds the policy on the same GPU: vLLM takes only a share of its memory
        self.llm = LLM(model=base_path, enable_lora=True, max_lora_rank=max(8, max_lora_rank), dtype=dtype, seed=seed,
                       gpu_memory_utilization=gpu_memory_utilization, enable_prefix_caching=True)
        self._lora = None
        self._next_id = 1

    def use_adapter(self, folder: Path | None) -> None:
        """Generate with the PEFT adapter saved in `folder` (None: the base), under a fresh id."""
        from vllm.lora.request import LoRARequest

        if folder is None:
            self._lora = None
            return
        self._lora = LoRARequest(f"adapter-{self._next_id}", self._next_id, str(folder))
        self._next_id += 1

    def generate(self, prompts: list[list[int]], max_new_tokens: int, temperature: float, top_p: float,
                 eos_id: int) -> list[tuple[list[int], bool]]:
        """(answer token ids without the EOS, ended with EOS) per prompt; greedy at temperature 0."""
        from vllm import SamplingParams, TokensPrompt

        params = SamplingParams(max_tokens=max_new_tokens, temperature=temperature, top_p=top_p,
                                stop_token_ids=[eos_id], skip_special_tokens=False)
        outputs = self.llm.generate([TokensPrompt(prompt_token_ids=p) for p in prompts], params,
                                    lora_request=self._lora, use_tqdm=False)
        answers = []
        for output in outputs:
            tokens = list(output.outputs[0].token_ids)
            finished = output.outputs[0].finish_reason == "stop"
            answers.append((tokens[:-1] if finished and tokens and tokens[-1] == eos_id else tokens, finished))
        return answers
