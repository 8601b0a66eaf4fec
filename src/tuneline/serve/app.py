"""The OpenAI-compatible HTTP API (FastAPI). It parses, checks limits and keys, and
answers; generation and model resolution live in `service.py`."""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tuneline.data.chat import render_prompt
from tuneline.errors import UserError
from tuneline.serve.metrics import ServerMetrics
from tuneline.serve.protocol import (
    APIError,
    ChatCompletionRequest,
    CompletionRequest,
    chat_chunk,
    chat_response,
    completion_response,
    new_id,
    parse_body,
    usage,
)
from tuneline.serve.service import ServerState, Target


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _key_matches(given: str | None, accepted: set[str]) -> bool:
    # constant-time comparison, so response timing does not leak key prefixes
    return given is not None and any(hmac.compare_digest(given, key) for key in accepted)


def create_app(state: ServerState) -> FastAPI:
    app = FastAPI(title="tuneline", docs_url=None, redoc_url=None)
    metrics = ServerMetrics(state)
    limits = state.config.limits
    api_keys = state.config.auth.keys()
    admin_key = state.config.auth.admin()
    app.state.tuneline = state

    def log(**row: Any) -> None:
        if state.log is not None:
            state.log.write(**row)

    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError) -> JSONResponse:
        metrics.requests.labels(request.url.path, str(exc.status)).inc()
        if request.url.path.startswith("/v1/") and exc.status != 401:
            log(id=new_id("err"), endpoint=request.url.path, status=exc.status, error=exc.message)
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return await _api_error(request, APIError(exc.status_code, str(exc.detail)))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return await _api_error(request, APIError(400, str(exc.errors()[0].get("msg", "invalid request"))))

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
        metrics.requests.labels(request.url.path, "500").inc()
        return JSONResponse(APIError(500, f"internal error: {type(exc).__name__}").body(), status_code=500)

    def require_key(request: Request) -> None:
        if api_keys and not _key_matches(_bearer(request), api_keys):
            raise APIError(401, "missing or invalid API key; send 'Authorization: Bearer <key>'",
                           code="invalid_api_key")

    def require_admin(request: Request) -> None:
        if admin_key is None:
            raise APIError(403, "the admin API is disabled (no admin key configured)", code="admin_disabled")
        if not _key_matches(_bearer(request), {admin_key}):
            raise APIError(401, "missing or invalid admin key", code="invalid_api_key")

    async def read_json(request: Request) -> Any:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limits.max_request_bytes:
            raise APIError(413, f"request body over {limits.max_request_bytes} bytes", code="request_too_large")
        body = await request.body()
        if len(body) > limits.max_request_bytes:
            raise APIError(413, f"request body over {limits.max_request_bytes} bytes", code="request_too_large")
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise APIError(400, f"the body is not valid JSON: {exc}", code="invalid_json") from None

    def admit() -> None:
        if state.in_flight >= limits.max_concurrent_requests:
            raise APIError(429, f"the server is answering {state.in_flight} requests, its limit; retry shortly",
                           code="too_many_requests")

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "adapters": state.registry.names(), **state.engine.load(),
                "uptime_s": round(time.time() - state.started, 1)}

    @app.get("/metrics")
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/v1/models")
    async def list_models(request: Request) -> dict[str, Any]:
        require_key(request)
        created = int(state.started)
        return {"object": "list", "data": [{"id": name, "object": "model", "created": created, "owned_by": "tuneline"}
                                           for name in state.model_names()]}

    async def generate(endpoint: str, body: Any, target: Target, prompt_ids: list[int], max_tokens: int,
                       messages: Any, prompt_text: str, build_chunk, build_final):
        """Run one generation; answer JSON or SSE; log it; count it."""
        stream, stop = body.stream, body.stop_list()
        top_logprobs = body.logprob_count() if hasattr(body, "logprob_count") else None
        admit()
        if target.reason != "named":
            metrics.routed.labels(target.served_as, target.reason).inc()
        request_id = new_id("chatcmpl" if endpoint.endswith("chat/completions") else "cmpl")
        headers = {"x-tuneline-adapter": target.served_as, "x-tuneline-route": target.reason,
                   "x-tuneline-route-confidence": f"{target.confidence:.3f}"}
        started = time.perf_counter()
        state.in_flight += 1
        events = state.stream(prompt_ids, target.adapter, max_tokens, body.temperature, body.top_p, stop, body.seed,
                              top_logprobs)

        def finish(event: dict, status: int) -> None:
            state.in_flight -= 1
            elapsed = time.perf_counter() - started
            metrics.requests.labels(endpoint, str(status)).inc()
            metrics.latency.labels(endpoint).observe(elapsed)
            metrics.prompt_tokens.labels(target.served_as).inc(len(prompt_ids))
            metrics.completion_tokens.labels(target.served_as).inc(event.get("completion_tokens", 0))
            log(id=request_id, endpoint=endpoint, requested_model=body.model, adapter=target.served_as,
                route_reason=target.reason, route_confidence=target.confidence, messages=messages,
                prompt_text=prompt_text, completion=event.get("text"), prompt_tokens=len(prompt_ids),
                completion_tokens=event.get("completion_tokens"), finish_reason=event.get("finish_reason"),
                status=status, error=event.get("message"), latency_ms=elapsed * 1000, stream=int(stream))

        if not stream:
            final: dict = {}
            try:
                async for event in events:
                    final = event
            except BaseException:
                finish({"message": "client went away"}, 499)
                raise
            if final.get("type") == "error" or final.get("finish_reason") == "timeout":
                status = 504 if final.get("finish_reason") == "timeout" else 500
                finish(final, status)
                error = APIError(status, final.get("message") or
                                 f"generation exceeded {limits.request_timeout_s} s", code="timeout")
                return JSONResponse(error.body(), status_code=status, headers=headers)
            finish(final, 200)
            return JSONResponse(build_final(request_id, target.served_as, final), headers=headers)

        stream_options = (body.model_extra or {}).get("stream_options") or {}
        include_usage = isinstance(stream_options, dict) and bool(stream_options.get("include_usage"))

        async def sse():
            final: dict = {"completion_tokens": 0}
            try:
                first = build_chunk(request_id, target.served_as, None, None)
                if first is not None:
                    yield f"data: {json.dumps(first)}\n\n"
                async for event in events:
                    final = event
                    if event["type"] == "token":
                        yield f"data: {json.dumps(build_chunk(request_id, target.served_as, event['text'], None))}\n\n"
                    elif event["type"] == "error":
                        yield f"data: {json.dumps(APIError(500, event['message']).body())}\n\n"
                    else:
                        reason = event["finish_reason"]
                        yield f"data: {json.dumps(build_chunk(request_id, target.served_as, None, reason))}\n\n"
                        if include_usage:
                            tail = build_chunk(request_id, target.served_as, None, None)
                            tail["choices"] = []
                            tail["usage"] = usage(len(prompt_ids), event["completion_tokens"])
                            yield f"data: {json.dumps(tail)}\n\n"
                yield "data: [DONE]\n\n"
            finally:
                finish(final, 200 if final.get("type") == "finish" else 499)

        return StreamingResponse(sse(), media_type="text/event-stream", headers=headers)

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        require_key(request)
        body = parse_body(ChatCompletionRequest, await read_json(request))
        messages = [message.as_record() for message in body.messages]
        target = state.resolve(body.model, messages)
        prompt_text = render_prompt(state.tokenizer, messages)
        prompt_ids = state.prompt_ids(prompt_text)
        max_tokens = state.max_tokens(body.max_completion_tokens or body.max_tokens)

        def chunk(request_id, model, text, reason):
            if text is None and reason is None:
                return chat_chunk(request_id, model, {"role": "assistant", "content": ""})
            return chat_chunk(request_id, model, {"content": text} if text is not None else {}, reason)

        def final(request_id, model, event):
            return chat_response(request_id, model, event["text"], event["finish_reason"],
                                 len(prompt_ids), event["completion_tokens"], event.get("logprobs"))

        user_text = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        return await generate("/v1/chat/completions", body, target, prompt_ids, max_tokens, messages, user_text,
                              chunk, final)

    @app.post("/v1/completions")
    async def completions(request: Request):
        require_key(request)
        body = parse_body(CompletionRequest, await read_json(request))
        prompt = body.prompt_text()
        target = state.resolve(body.model, [{"role": "user", "content": prompt}])
        prompt_ids = state.prompt_ids(prompt)
        max_tokens = state.max_tokens(body.max_tokens)

        def chunk(request_id, model, text, reason):
            if text is None and reason is None:
                return None
            return completion_response(request_id, model, text or "", reason, 0, 0, stream=True)

        def final(request_id, model, event):
            return completion_response(request_id, model, event["text"], event["finish_reason"],
                                       len(prompt_ids), event["completion_tokens"])

        return await generate("/v1/completions", body, target, prompt_ids, max_tokens, prompt, prompt, chunk, final)

    @app.get("/admin/adapters")
    async def admin_list(request: Request) -> dict[str, Any]:
        require_admin(request)
        return {"adapters": {name: str(folder) for name, folder in state.registry.folders.items()}}

    @app.post("/admin/adapters")
    async def admin_load(request: Request) -> dict[str, Any]:
        require_admin(request)
        payload = await read_json(request)
        if not isinstance(payload, dict) or not isinstance(payload.get("name"), str) or \
                not isinstance(payload.get("path"), str):
            raise APIError(400, "send {\"name\": ..., \"path\": ...}", param="name")
        try:
            state.registry.load(payload["name"], payload["path"])
        except UserError as exc:
            conflict = "already loaded" in exc.message
            raise APIError(409 if conflict else 400, str(exc), param="path") from None
        return {"loaded": payload["name"], "adapters": state.registry.names()}

    @app.delete("/admin/adapters/{name}")
    async def admin_unload(name: str, request: Request) -> dict[str, Any]:
        require_admin(request)
        if name not in state.registry.folders:
            raise APIError(404, f"adapter '{name}' is not loaded", param="name", code="model_not_found")
        try:
            state.registry.unload(name)
        except UserError as exc:
            raise APIError(409, str(exc), param="name") from None
        return {"unloaded": name, "adapters": state.registry.names()}

    return app


class RunningServer:
    """A uvicorn server on a background thread (tests, benchmarks, notebooks)."""

    def __init__(self, state: ServerState, host: str = "127.0.0.1", port: int = 0):
        import socket
        import threading

        import uvicorn

        if port == 0:  # a free port, chosen by the OS
            with socket.socket() as probe:
                probe.bind((host, 0))
                port = probe.getsockname()[1]
        self.state, self.host, self.port = state, host, port
        config = uvicorn.Config(create_app(state), host=host, port=port, log_level="warning", lifespan="off",
                                timeout_keep_alive=30)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="tuneline-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> RunningServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the server did not start on {self.url}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.state.engine.shutdown()
        if self.state.log is not None:
            self.state.log.close()
