"""OpenAI wire format: request bodies, response/chunk builders and the error schema."""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class APIError(Exception):
    """An error answered in OpenAI's schema: {"error": {message, type, param, code}}."""

    TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
             404: "invalid_request_error", 405: "invalid_request_error", 409: "invalid_request_error",
             413: "invalid_request_error", 429: "rate_limit_error", 504: "timeout_error"}

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None,
                 error_type: str | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code
        self.error_type = error_type or self.TYPES.get(status, "server_error")

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.error_type, "param": self.param, "code": self.code}}


class _Lenient(BaseModel):
    # Unknown OpenAI options (user, ...) are accepted and ignored, as clients send them.
    model_config = ConfigDict(extra="ignore", protected_namespaces=())


class ContentPart(_Lenient):
    type: str
    text: str | None = None


class ChatMessage(_Lenient):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    def as_record(self) -> dict[str, str]:
        """Canonical message: parts joined to text; OpenAI's `developer` role is a system message."""
        if isinstance(self.content, list):
            if any(part.type != "text" for part in self.content):
                raise APIError(400, "only text content parts are supported", param="messages", code="unsupported_content")
            text = "".join(part.text or "" for part in self.content)
        else:
            text = self.content or ""
        return {"role": "system" if self.role == "developer" else self.role, "content": text}


class _Sampling(_Lenient):
    model: str = Field(..., min_length=1)
    max_tokens: int | None = Field(None, ge=1)
    temperature: float = Field(1.0, ge=0, le=2)
    top_p: float = Field(1.0, gt=0, le=1)
    n: int = Field(1, ge=1)
    stream: bool = False
    stop: str | list[str] | None = None
    seed: int | None = None

    @field_validator("n")
    @classmethod
    def _one_choice(cls, value: int) -> int:
        if value != 1:
            raise ValueError("only n=1 is supported")
        return value

    def stop_list(self) -> list[str]:
        if self.stop is None:
            return []
        stops = [self.stop] if isinstance(self.stop, str) else list(self.stop)
        if len(stops) > 4:
            raise APIError(400, "at most 4 stop sequences", param="stop")
        return stops


class ChatCompletionRequest(_Sampling):
    messages: list[ChatMessage] = Field(..., min_length=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    logprobs: bool = False
    top_logprobs: int | None = Field(None, ge=0, le=20)

    def logprob_count(self) -> int | None:
        """How many alternatives to report per token (None: no log-probabilities), as OpenAI's
        API: `logprobs: true`, with `top_logprobs` 0-20 alternatives."""
        if self.top_logprobs is not None and not self.logprobs:
            raise APIError(400, "top_logprobs needs logprobs: true", param="top_logprobs", code="invalid_value")
        if self.logprobs and self.stream:
            raise APIError(400, "logprobs are returned for non-streamed requests only", param="logprobs",
                           code="unsupported_value")
        return (self.top_logprobs or 0) if self.logprobs else None


class CompletionRequest(_Sampling):
    prompt: str | list[str]

    def prompt_text(self) -> str:
        if isinstance(self.prompt, list):
            if len(self.prompt) != 1:
                raise APIError(400, "send one prompt per request", param="prompt")
            return self.prompt[0]
        return self.prompt


def parse_body(model_class: type[BaseModel], payload: Any) -> Any:
    """Validate a JSON body; the first problem becomes a 400 that names the parameter."""
    if not isinstance(payload, dict):
        raise APIError(400, "the request body must be a JSON object")
    try:
        return model_class.model_validate(payload)
    except ValidationError as exc:
        error = exc.errors()[0]
        param = ".".join(str(p) for p in error["loc"]) or None
        message = error["msg"].removeprefix("Value error, ")
        raise APIError(400, f"{param}: {message}" if param else message, param=param,
                       code="missing_required_parameter" if error["type"] == "missing" else "invalid_value") from None


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:24]}"


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


def chat_response(request_id: str, model: str, text: str, finish_reason: str, prompt_tokens: int,
                  completion_tokens: int, logprobs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"id": request_id, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": finish_reason,
                         "logprobs": None if logprobs is None else {"content": logprobs}}],
            "usage": usage(prompt_tokens, completion_tokens)}


def chat_chunk(request_id: str, model: str, delta: dict[str, str], finish_reason: str | None = None,
               usage_block: dict[str, int] | None = None) -> dict[str, Any]:
    chunk: dict[str, Any] = {"id": request_id, "object": "chat.completion.chunk", "created": int(time.time()),
                             "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason,
                                                          "logprobs": None}]}
    if usage_block is not None:
        chunk["usage"] = usage_block
    return chunk


def completion_response(request_id: str, model: str, text: str, finish_reason: str | None, prompt_tokens: int,
                        completion_tokens: int, stream: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"id": request_id, "object": "text_completion", "created": int(time.time()),
                            "model": model, "choices": [{"index": 0, "text": text, "finish_reason": finish_reason,
                                                         "logprobs": None}]}
    if not stream:
        body["usage"] = usage(prompt_tokens, completion_tokens)
    return body
