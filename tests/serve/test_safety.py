"""Auth, limits, OpenAI error schema, path traversal, admin load/unload, metrics, request log."""

from __future__ import annotations

import shutil
import sqlite3

import httpx
import openai
import pytest
from tiny_models import ADMIN_KEY, API_KEY

HI = [{"role": "user", "content": "hi"}]


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}  # OpenAI's error schema
    return body["error"]


def test_wrong_or_missing_key_is_401(server):
    from openai import OpenAI

    bad = OpenAI(base_url=f"{server.url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(model="qa", messages=HI, max_tokens=2)
    response = httpx.post(f"{server.url}/v1/chat/completions", json={"model": "qa", "messages": HI})
    assert response.status_code == 401 and error_of(response)["code"] == "invalid_api_key"


def test_unknown_model_is_404_and_traversal_names_are_rejected(client):
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="nope", messages=HI, max_tokens=2)
    for name in ["../../etc/passwd", "..", "qa/../code", "/abs/path", "a b"]:
        with pytest.raises(openai.BadRequestError) as caught:
            client.chat.completions.create(model=name, messages=HI, max_tokens=2)
        assert caught.value.body["code"] == "invalid_model_name"


@pytest.mark.parametrize("body, param", [
    ({"model": "qa"}, "messages"),
    ({"model": "qa", "messages": []}, "messages"),
    ({"model": "qa", "messages": [{"role": "wizard", "content": "x"}]}, "messages.0.role"),
    ({"model": "qa", "messages": HI, "max_tokens": 100000}, "max_tokens"),
    ({"model": "qa", "messages": HI, "max_tokens": -1}, "max_tokens"),
    ({"model": "qa", "messages": HI, "temperature": 9}, "temperature"),
    ({"model": "qa", "messages": HI, "n": 3}, "n"),
    ({"messages": HI}, "model"),
    ({"model": "qa", "messages": HI, "top_logprobs": 3}, "top_logprobs"),
    ({"model": "qa", "messages": HI, "logprobs": True, "top_logprobs": 21}, "top_logprobs"),
    ({"model": "qa", "messages": HI, "logprobs": True, "stream": True}, "logprobs"),
])
def test_malformed_requests_get_400_naming_the_parameter(server, body, param):
    response = httpx.post(f"{server.url}/v1/chat/completions", json=body,
                          headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["param"] == param and error["type"] == "invalid_request_error"


def test_bad_json_oversized_body_long_prompt_unknown_route(server):
    auth = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    assert httpx.post(f"{server.url}/v1/chat/completions", content=b"{not json", headers=auth).status_code == 400
    huge = {"model": "qa", "messages": [{"role": "user", "content": "x" * 10000}]}
    response = httpx.post(f"{server.url}/v1/chat/completions", json=huge, headers=auth)
    assert response.status_code == 413 and error_of(response)["code"] == "request_too_large"
    long_prompt = {"model": "qa", "messages": [{"role": "user", "content": "word " * 600}]}
    response = httpx.post(f"{server.url}/v1/chat/completions", json=long_prompt, headers=auth)
    assert response.status_code == 400 and error_of(response)["code"] == "context_length_exceeded"
    response = httpx.get(f"{server.url}/v1/nothing-here", headers=auth)
    assert response.status_code == 404 and error_of(response)
    assert httpx.get(f"{server.url}/v1/chat/completions", headers=auth).status_code == 405


def test_admin_load_and_unload_need_the_admin_key_and_stay_in_the_root(server, client, tiny_models):
    url = f"{server.url}/admin/adapters"
    root = tiny_models["summarise"].parent
    shutil.copytree(tiny_models["code"], root / "code-v2", dirs_exist_ok=True)
    body = {"name": "code-v2", "path": str(root / "code-v2")}
    assert httpx.post(url, json=body).status_code == 401
    assert httpx.post(url, json=body, headers={"Authorization": f"Bearer {API_KEY}"}).status_code == 401
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    outside = httpx.post(url, json={"name": "evil", "path": str(root / ".." / ".." / "x")}, headers=admin)
    assert outside.status_code == 400 and "outside the adapters root" in error_of(outside)["message"]
    bad_name = httpx.post(url, json={"name": "../evil", "path": "code-v2"}, headers=admin)
    assert bad_name.status_code == 400
    assert httpx.post(url, json=body, headers=admin).status_code == 200
    assert httpx.post(url, json=body, headers=admin).status_code == 409  # already loaded
    assert "code-v2" in {m.id for m in client.models.list()}
    reply = client.chat.completions.create(model="code-v2", messages=HI, max_tokens=6, temperature=0)
    original = client.chat.completions.create(model="code", messages=HI, max_tokens=6, temperature=0)
    assert reply.choices[0].message.content == original.choices[0].message.content  # same weights, same tokens
    assert httpx.delete(f"{url}/code-v2", headers=admin).status_code == 200
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="code-v2", messages=HI, max_tokens=2)


def test_health_metrics_and_request_log(server, client, server_config_path):
    client.chat.completions.create(model="summarise", messages=HI, max_tokens=3, temperature=0)
    assert httpx.get(f"{server.url}/health").json()["status"] == "ok"
    text = httpx.get(f"{server.url}/metrics").text
    assert 'tuneline_requests_total{endpoint="/v1/chat/completions",status="200"}' in text
    assert "tuneline_request_latency_seconds_bucket" in text
    db = sqlite3.connect(server_config_path.parent / "requests.sqlite")
    rows = db.execute("SELECT adapter, status, completion_tokens FROM requests WHERE status = 200").fetchall()
    assert ("summarise", 200) in {(a, s) for a, s, _ in rows}
    assert db.execute("SELECT COUNT(*) FROM requests WHERE status >= 400").fetchone()[0] >= 1


def test_config_errors_name_the_line(tmp_path):
    from tuneline.errors import ConfigError
    from tuneline.serve.config import load_server_config

    path = tmp_path / "serve.yaml"
    path.write_text("model: builtin:smollm2-135m-instruct\nadapters:\n  ../up: somewhere\n")
    with pytest.raises(ConfigError) as caught:
        load_server_config(path)
    assert "invalid adapter name" in str(caught.value) and "serve.yaml:2" in str(caught.value)
    path.write_text("model: x\nlimits:\n  max_tokenz: 5\n")
    with pytest.raises(ConfigError) as caught:
        load_server_config(path)
    assert "serve.yaml:3" in str(caught.value)


def test_concurrency_limit_answers_429(server, client):
    limits = server.state.config.limits
    saved = limits.max_concurrent_requests
    limits.max_concurrent_requests = 0  # as if the server were full
    try:
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(model="qa", messages=HI, max_tokens=2)
    finally:
        limits.max_concurrent_requests = saved


def test_a_generation_past_its_deadline_is_cut(server):
    import threading
    import time

    from tuneline.serve.engine import GenerationRequest

    events, done = [], threading.Event()

    def emit(event):
        events.append(event)
        if event["type"] != "token":
            done.set()

    server.state.engine.submit(GenerationRequest(prompt_ids=[1, 2, 3], adapter="code", max_tokens=50, emit=emit,
                                                 deadline=time.monotonic() - 1))
    assert done.wait(30)
    assert events[-1]["finish_reason"] == "timeout" and events[-1]["completion_tokens"] == 1
