"""Transformers backend: a continuous-batching scheduler over one base model and its adapters.

One thread owns the model. Between decoding steps it admits waiting requests (prefilled
together, then joined to the running batch), and each step decodes one token for every
running row at once, whatever adapter each row asked for: the adapters' LoRA weights are
packed per layer (serve/packed_lora.py) so that a mixed batch costs two extra products
per layer; models whose adapters cannot be packed (DoRA and other variants) use PEFT's
per-adapter path (`adapter_names=`, "__base__" for the bare base).

`mode="swap"` is the naive server this design is measured against: one request at a
time, the active adapter switched before each (`set_adapter`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import torch

from tuneline.models.padding import left_pad, positions_from_mask
from tuneline.serve.batch import RunningBatch
from tuneline.serve.packed_lora import PackedLoRA
from tuneline.serve.sampling import IncrementalDecoder, choose_token, find_stop

BASE = "__base__"


@dataclass
class GenerationRequest:
    prompt_ids: list[int]
    adapter: str  # an adapter name, or BASE
    max_tokens: int
    emit: Callable[[dict], None]  # called from the scheduler thread with token / finish events
    temperature: float = 0.0
    top_p: float = 1.0
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    deadline: float | None = None  # time.monotonic() after which the request is cut
    cancelled: threading.Event = field(default_factory=threading.Event)
    top_logprobs: int | None = None  # report each token's log-probability and this many alternatives (None: no)


class _Sequence:
    """A request being decoded: its text so far and what has been streamed of it."""

    def __init__(self, request: GenerationRequest, tokenizer):
        self.request = request
        self.decoder = IncrementalDecoder(tokenizer)
        self.streamed = 0  # characters of decoder.text already emitted
        self.generator = None
        if request.seed is not None:
            self.generator = torch.Generator().manual_seed(request.seed)
        self.next_token: int | None = None
        self.sampled = 0  # tokens sampled, end-of-sequence included
        self.finish_reason: str | None = None
        self.holdback = max((len(s) for s in request.stop), default=1) - 1
        self.logprobs: list[dict] = []  # OpenAI's per-token entries, when the request asked for them

    def accept(self, token_id: int, eos_ids: set[int]) -> None:
        """Record one sampled token; emit the text that is now safe to show; decide finishing."""
        request = self.request
        self.sampled += 1
        if token_id in eos_ids:
            self.finish_reason = "stop"
        else:
            self.decoder.add(token_id)
            self.next_token = token_id
        text = self.decoder.text
        cut = find_stop(text, request.stop)
        if cut >= 0:
            self.finish_reason, text = "stop", text[:cut]
        elif self.finish_reason is None and self.sampled >= request.max_tokens:
            self.finish_reason = "length"
        elif self.finish_reason is None and request.deadline is not None and time.monotonic() > request.deadline:
            self.finish_reason = "timeout"
        # While running, hold back a possible stop string's beginning.
        safe = len(text) if self.finish_reason else max(self.streamed, len(text) - self.holdback)
        if safe > self.streamed:
            request.emit({"type": "token", "text": text[self.streamed:safe]})
            self.streamed = safe
        if self.finish_reason:
            request.emit({"type": "finish", "finish_reason": self.finish_reason, "text": text,
                          "prompt_tokens": len(request.prompt_ids),
                          "completion_tokens": self.sampled,
                          **({"logprobs": self.logprobs} if request.top_logprobs is not None else {})})


class TransformersEngine:
    """Owns the model; `submit` queues requests, a background thread decodes them."""

    def __init__(self, model, tokenizer, max_batch_size: int = 16, mode: Literal["mixed", "swap"] = "mixed"):
        self.model = model
        self.tokenizer = tokenizer
        self.max_batch_size = max_batch_size if mode == "mixed" else 1
        self.mode = mode
        self.model_lock = threading.RLock()  # held per step; adapter load/unload takes it too
        self._waiting: deque[GenerationRequest] = deque()
        self._wakeup = threading.Condition()
        self._running: list[_Sequence] = []
        self._batch = RunningBatch()
        self._stop = False
        self.eos_ids = self._eos_ids()
        self.packed: PackedLoRA | None = None
        self._repack()
        self.stats = {"completion_tokens": 0, "decode_steps": 0, "batched_rows": 0, "prefills": 0}
        self._thread = threading.Thread(target=self._loop, name="tuneline-decode", daemon=True)
        self._thread.start()

    def _eos_ids(self) -> set[int]:
        ids = {self.tokenizer.eos_token_id} if self.tokenizer.eos_token_id is not None else set()
        configured = getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)
        if isinstance(configured, int):
            ids.add(configured)
        elif configured:
            ids.update(configured)
        return ids

    # ── public ──────────────────────────────────────────────────────────────
    def submit(self, request: GenerationRequest) -> None:
        with self._wakeup:
            self._waiting.append(request)
            self._wakeup.notify()

    def load(self) -> dict[str, int]:
        return {"waiting": len(self._waiting), "running": len(self._running)}

    def adapters_in_use(self) -> set[str]:
        return {r.adapter for r in list(self._waiting)} | {s.request.adapter for s in list(self._running)}

    def load_adapter(self, name: str, folder) -> None:
        """Add a PEFT adapter to the served model, between decoding steps."""
        from peft import PeftModel

        with self.model_lock:
            if self.packed is not None:
                self.packed.unpack()
            if hasattr(self.model, "peft_config"):
                self.model.load_adapter(str(folder), adapter_name=name)
            else:
                self.model = PeftModel.from_pretrained(self.model, str(folder), adapter_name=name)
            self.model.eval()
            self._repack()

    def unload_adapter(self, name: str) -> None:
        with self.model_lock:
            if self.packed is not None:
                self.packed.unpack()
            self.model.delete_adapter(name)
            self._repack()

    def _repack(self) -> None:
        """Pack the adapters for mixed batches (when every one is plain LoRA)."""
        self.packed = None
        if self.mode == "mixed" and hasattr(self.model, "peft_config") and PackedLoRA.supports(self.model):
            self.packed = PackedLoRA(self.model)

    def shutdown(self) -> None:
        with self._wakeup:
            self._stop = True
            self._wakeup.notify()
        self._thread.join(timeout=10)

    # ── the decode loop ─────────────────────────────────────────────────────
    def _loop(self) -> None:
        while True:
            with self._wakeup:
                while not self._stop and not self._waiting and not self._running:
                    self._wakeup.wait()
                if self._stop:
                    return
                admitted = self._admit()
            try:
                with self.model_lock, torch.inference_mode():
                    if admitted:
                        self._prefill(admitted)
                    self._drop_finished()
                    if self._running:
                        self._decode_step()
                        self._drop_finished()
            except Exception as exc:  # a failed step must not kill the server: fail its rows
                for sequence in self._running + admitted:
                    if sequence.finish_reason is None:
                        sequence.finish_reason = "error"
                        sequence.request.emit({"type": "error", "message": f"generation failed: {exc}"})
                self._running, self._batch = [], RunningBatch()

    def _admit(self) -> list[_Sequence]:
        room = self.max_batch_size - len(self._running)
        admitted: list[_Sequence] = []
        while room > 0 and self._waiting:
            request = self._waiting.popleft()
            if request.cancelled.is_set():
                continue
            admitted.append(_Sequence(request, self.tokenizer))
            room -= 1
        return admitted

    def _forward(self, adapters: list[str], **inputs):
        model = self.model
        if not hasattr(model, "peft_config"):
            return model(**inputs)
        if self.mode == "mixed":
            if self.packed is not None:
                with self.packed.rows(adapters):
                    return model(**inputs)
            return model(**inputs, adapter_names=adapters)
        # swap: one request at a time, the active adapter switched to it
        if adapters[0] == BASE:
            with model.disable_adapter():
                return model(**inputs)
        if model.active_adapter != adapters[0]:
            model.set_adapter(adapters[0])
        return model(**inputs)

    def _prefill(self, admitted: list[_Sequence]) -> None:
        from transformers import DynamicCache

        ids, mask = left_pad([s.request.prompt_ids for s in admitted], self.tokenizer.pad_token_id or 0)
        cache = DynamicCache(config=self.model.config)
        output = self._forward([s.request.adapter for s in admitted], input_ids=ids, attention_mask=mask,
                               position_ids=positions_from_mask(mask), past_key_values=cache, use_cache=True,
                               logits_to_keep=1)
        self.stats["prefills"] += 1
        self._batch.join(mask, output.past_key_values)
        self._running.extend(admitted)
        self._sample(admitted, output.logits[:, -1, :])

    def _decode_step(self) -> None:
        tokens = torch.tensor([[s.next_token] for s in self._running], dtype=torch.long)
        mask = self._batch.extend_mask()
        positions = (mask.sum(dim=1, keepdim=True) - 1)
        output = self._forward([s.request.adapter for s in self._running], input_ids=tokens, attention_mask=mask,
                               position_ids=positions, past_key_values=self._batch.cache, use_cache=True)
        self._batch.cache = output.past_key_values
        self.stats["decode_steps"] += 1
        self.stats["batched_rows"] += len(self._running)
        self._sample(self._running, output.logits[:, -1, :])

    def _sample(self, sequences: list[_Sequence], logits: torch.Tensor) -> None:
        for row, sequence in enumerate(sequences):
            request = sequence.request
            token = choose_token(logits[row], request.temperature, request.top_p, sequence.generator)
            if request.top_logprobs is not None and token not in self.eos_ids:
                sequence.logprobs.append(token_logprobs(logits[row], token, request.top_logprobs, self.tokenizer))
            sequence.accept(token, self.eos_ids)
            self.stats["completion_tokens"] += 1

    def _drop_finished(self) -> None:
        keep = []
        for row, sequence in enumerate(self._running):
            if sequence.finish_reason is None and sequence.request.cancelled.is_set():
                sequence.finish_reason = "cancelled"
            if sequence.finish_reason is None:
                keep.append(row)
        if len(keep) < len(self._running):
            self._running = [self._running[row] for row in keep]
            self._batch.keep(keep)


def token_logprobs(logits: torch.Tensor, token: int, top: int, tokenizer) -> dict:
    """OpenAI's entry for one sampled token: its log-probability under the model's own
    distribution (before temperature and top-p, as OpenAI and vLLM report it) and the `top`
    most likely tokens with theirs."""
    logprobs = torch.log_softmax(logits.float(), dim=-1)

    def entry(token_id: int) -> dict:
        text = tokenizer.decode([token_id])
        return {"token": text, "logprob": logprobs[token_id].item(), "bytes": list(text.encode("utf-8"))}

    alternatives = logprobs.topk(top).indices.tolist() if top else []
    return {**entry(token), "top_logprobs": [entry(i) for i in alternatives]}

