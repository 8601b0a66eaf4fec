"""vLLM backend (GPU): the same `submit(GenerationRequest)` interface as the transformers
engine, with vLLM's multi-LoRA batching. Imported only when vllm and CUDA are present."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from tuneline.serve.engine import BASE, GenerationRequest


class VLLMEngine:
    def __init__(self, config):
        from vllm import AsyncEngineArgs, AsyncLLMEngine

        from tuneline.models.registry import resolve_model_path

        args = AsyncEngineArgs(model=resolve_model_path(config.model), dtype=config.dtype, enable_lora=True,
                               max_loras=max(1, len(config.adapters) + 2), max_num_seqs=config.limits.max_batch_size)
        self.engine = AsyncLLMEngine.from_engine_args(args)
        self.tokenizer = self._tokenizer(config.model)
        self.adapters: dict[str, tuple[int, Path]] = {}
        self._next_id = 1
        self._active: dict[int, GenerationRequest] = {}
        self.model_lock = threading.RLock()
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, name="tuneline-vllm", daemon=True).start()

    @staticmethod
    def _tokenizer(reference: str):
        from tuneline.models.load import load_tokenizer

        return load_tokenizer(reference)

    def load_adapter(self, name: str, folder) -> None:
        self.adapters[name] = (self._next_id, Path(folder))
        self._next_id += 1

    def unload_adapter(self, name: str) -> None:
        self.adapters.pop(name, None)

    def adapters_in_use(self) -> set[str]:
        return {request.adapter for request in list(self._active.values())}

    def load(self) -> dict[str, int]:
        return {"waiting": 0, "running": len(self._active)}

    def submit(self, request: GenerationRequest) -> None:
        asyncio.run_coroutine_threadsafe(self._generate(request), self._loop)

    async def _generate(self, request: GenerationRequest) -> None:
        from vllm import SamplingParams, TokensPrompt
        from vllm.lora.request import LoRARequest

        lora = None
        if request.adapter != BASE:
            adapter_id, folder = self.adapters[request.adapter]
            lora = LoRARequest(request.adapter, adapter_id, str(folder))
        params = SamplingParams(max_tokens=request.max_tokens, temperature=request.temperature, top_p=request.top_p,
                                stop=request.stop or None, seed=request.seed, logprobs=request.top_logprobs)
        key = id(request)
        self._active[key] = request
        streamed, final = "", None
        try:
            async for output in self.engine.generate(TokensPrompt(prompt_token_ids=request.prompt_ids), params,
                                                     request_id=str(key), lora_request=lora):
                final = output.outputs[0]
                if len(final.text) > len(streamed):
                    request.emit({"type": "token", "text": final.text[len(streamed):]})
                    streamed = final.text
                if request.cancelled.is_set():
                    await self.engine.abort(str(key))
                    return
            extra = {} if request.top_logprobs is None else {"logprobs": _openai_logprobs(final, request.top_logprobs)}
            request.emit({"type": "finish", "finish_reason": final.finish_reason or "stop", "text": final.text,
                          "prompt_tokens": len(request.prompt_ids), "completion_tokens": len(final.token_ids),
                          **extra})
        except Exception as exc:  # reported to the client as an error event, as the transformers engine does
            request.emit({"type": "error", "message": f"generation failed: {exc}"})
        finally:
            self._active.pop(key, None)

    def shutdown(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)


def _openai_logprobs(output, top: int) -> list[dict]:
    """vLLM's per-token {token id: Logprob} maps (the sampled token and the `top` most likely)
    as OpenAI's entries, like the transformers engine's `token_logprobs` (not run here: no GPU)."""
    def entry(alternatives, i: int) -> dict:
        text = alternatives[i].decoded_token or ""
        return {"token": text, "logprob": alternatives[i].logprob, "bytes": list(text.encode("utf-8"))}

    entries = []
    for token_id, alternatives in zip(output.token_ids, output.logprobs or [], strict=False):
        # vLLM adds the sampled token to the top ones when it is not among them: the lowest, it falls off
        ranked = sorted(alternatives, key=lambda i: -alternatives[i].logprob)[:top]
        entries.append({**entry(alternatives, token_id), "top_logprobs": [entry(alternatives, i) for i in ranked]})
    return entries
