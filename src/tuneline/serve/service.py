"""What the HTTP layer calls: build the served model, resolve `model`, run a generation.

Usable without HTTP: `state = build_state(load_server_config(path))`, then
`await state.generate(...)`. The FastAPI app in `app.py` only parses and answers.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from tuneline.errors import ConfigError
from tuneline.models.router import Router
from tuneline.serve.config import ServerConfig
from tuneline.serve.engine import BASE, GenerationRequest
from tuneline.serve.protocol import APIError
from tuneline.serve.registry import NAME_PATTERN, AdapterRegistry


@dataclass
class Target:
    """Which adapter answers a request, and why."""

    adapter: str  # adapter name or BASE
    served_as: str  # the `model` the response reports
    reason: str  # "named", "rule", "centroid", "fallback"
    confidence: float = 1.0


@dataclass
class ServerState:
    config: ServerConfig
    engine: Any
    tokenizer: Any
    registry: AdapterRegistry
    router: Router
    log: Any = None  # RequestLog or None
    in_flight: int = 0
    started: float = field(default_factory=time.time)

    # ── resolving `model` ──────────────────────────────────────────────────
    def resolve(self, requested: str, messages: list[dict]) -> Target:
        if requested == "auto":
            decision = self.router.route(messages)
            adapter = decision.adapter
            if adapter != BASE and adapter not in self.registry.folders:
                adapter, decision.reason = BASE, "fallback"  # a routed adapter was unloaded meanwhile
            return Target(adapter, self.served_name(adapter), decision.reason, decision.confidence)
        if requested in (self.config.served_name, BASE):
            return Target(BASE, self.config.served_name, "named")
        if not NAME_PATTERN.match(requested) or ".." in requested:
            raise APIError(400, f"invalid model name {requested[:80]!r}", param="model", code="invalid_model_name")
        if requested not in self.registry.folders:
            raise APIError(404, f"the model '{requested}' does not exist; available: {', '.join(self.model_names())}",
                           param="model", code="model_not_found")
        return Target(requested, requested, "named")

    def served_name(self, adapter: str) -> str:
        return self.config.served_name if adapter == BASE else adapter

    def model_names(self) -> list[str]:
        return [self.config.served_name, *self.registry.names(), "auto"]

    # ── tokens ─────────────────────────────────────────────────────────────
    def prompt_ids(self, text: str) -> list[int]:
        ids = list(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        if len(ids) > self.config.limits.max_prompt_tokens:
            raise APIError(400, f"the prompt has {len(ids)} tokens; this server accepts at most "
                                f"{self.config.limits.max_prompt_tokens}", param="messages",
                           code="context_length_exceeded")
        if not ids:
            raise APIError(400, "the prompt is empty", param="prompt")
        return ids

    def max_tokens(self, asked: int | None) -> int:
        limit = self.config.limits.max_tokens
        if asked is not None and asked > limit:
            raise APIError(400, f"max_tokens is {asked}; this server allows at most {limit}", param="max_tokens",
                           code="invalid_value")
        return asked or self.config.limits.default_max_tokens

    # ── generation ─────────────────────────────────────────────────────────
    async def stream(self, prompt_ids: list[int], adapter: str, max_tokens: int, temperature: float, top_p: float,
                     stop: list[str], seed: int | None, top_logprobs: int | None = None) -> AsyncIterator[dict]:
        """Engine events for one request: {"type": "token", "text"} ... then one "finish" (or "error")."""
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[dict] = asyncio.Queue()

        def emit(event: dict) -> None:  # called on the decode thread
            loop.call_soon_threadsafe(events.put_nowait, event)

        request = GenerationRequest(prompt_ids=prompt_ids, adapter=adapter, max_tokens=max_tokens, emit=emit,
                                    temperature=temperature, top_p=top_p, stop=stop, seed=seed,
                                    deadline=time.monotonic() + self.config.limits.request_timeout_s,
                                    top_logprobs=top_logprobs)
        self.engine.submit(request)
        try:
            while True:
                timeout = self.config.limits.request_timeout_s + 5  # the engine cuts first; this guards a stall
                event = await asyncio.wait_for(events.get(), timeout=timeout)
                yield event
                if event["type"] in ("finish", "error"):
                    return
        except asyncio.TimeoutError:
            yield {"type": "finish", "finish_reason": "timeout", "text": "", "prompt_tokens": len(prompt_ids),
                   "completion_tokens": 0}
        finally:
            request.cancelled.set()  # a client that went away frees its batch row


def _vllm_available() -> bool:
    if importlib.util.find_spec("vllm") is None:
        return False
    import torch

    return torch.cuda.is_available()


def check_model_gate(config: ServerConfig) -> None:
    """A full model (a stage's model/ folder) whose safety gate blocked it is refused like an adapter."""
    from pathlib import Path

    from tuneline.errors import UserError
    from tuneline.models.gate import blocked_reason

    folder = Path(config.model)
    reason = blocked_reason(folder) or (blocked_reason(folder.parent) if folder.name == "model" else None)
    if reason is None:
        return
    if config.served_name not in config.allow_blocked:
        raise UserError(f"model '{config.served_name}' is blocked by its safety gate: {reason}; to serve it anyway, "
                        f"list '{config.served_name}' under allow_blocked: in the serving config")
    from tuneline.progress import info

    info(f"warning: serving model '{config.served_name}' although its safety gate blocked it (allow_blocked): {reason}")


def build_state(config: ServerConfig) -> ServerState:
    """Load the base model and adapters, the router and the request log; start the engine."""
    from tuneline.models.router import Router

    router = Router(config.router)
    check_model_gate(config)
    backend = config.backend
    if backend == "auto":
        backend = "vllm" if _vllm_available() else "transformers"
    if backend == "vllm":
        if not _vllm_available():
            raise ConfigError("backend: vllm needs the vllm package and a CUDA GPU", where="backend",
                              fix="use backend: transformers (or auto)")
        from tuneline.serve.vllm_backend import VLLMEngine

        engine = VLLMEngine(config)
        tokenizer = engine.tokenizer
    else:
        import torch

        from tuneline.config.schema import ModelConfig
        from tuneline.models.load import load_causal_lm
        from tuneline.serve.engine import TransformersEngine

        if config.torch_threads:
            torch.set_num_threads(config.torch_threads)
        model, tokenizer = load_causal_lm(ModelConfig(ref=config.model, dtype=config.dtype))
        model.eval()
        engine = TransformersEngine(model, tokenizer, max_batch_size=config.limits.max_batch_size,
                                    mode=config.batching)
    registry = AdapterRegistry(engine, config.adapters_root or ".", config.allow_blocked)
    for name, folder in config.adapters.items():
        registry.load(name, folder, check_root=False)  # the operator's own config is trusted
    missing = {a for a in router.adapters() if a != BASE and a not in registry.folders}
    if missing:
        raise ConfigError(f"the router answers with adapters that are not loaded: {sorted(missing)}",
                          where="router", fix="add them under adapters:, or change the router's labels/fallback")
    log = None
    if config.log_db:
        from tuneline.serve.requestlog import RequestLog

        log = RequestLog(config.log_db)
    return ServerState(config=config, engine=engine, tokenizer=tokenizer, registry=registry, router=router, log=log)
