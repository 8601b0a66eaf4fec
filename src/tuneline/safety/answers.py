"""Answers to audit prompts, k samples each: from a local model or artifact, or from an
OpenAI-compatible endpoint (vLLM, Ollama, `tuneline serve`, …)."""

from __future__ import annotations

from dataclasses import dataclass

from tuneline.errors import ConfigError
from tuneline.runtime import fast_dtype
from tuneline.safety.prompts import AuditPrompt


@dataclass(frozen=True)
class Sampling:
    k: int = 2  # samples per prompt
    max_new_tokens: int = 64
    temperature: float = 0.7  # 0: greedy (then k > 1 repeats the same answer)
    top_p: float = 0.95
    batch_size: int = 32
    seed: int = 0


def answer_locally(model, tokenizer, prompts: list[AuditPrompt], sampling: Sampling, desc: str = "answering") -> list[
        list[str]]:
    """k answers per prompt from a loaded chat model, in batches through the one chat template."""
    import torch

    from tuneline.eval.generate import generate_chat

    torch.manual_seed(sampling.seed)
    conversations = [p.messages for p in prompts for _ in range(sampling.k)]
    generations = generate_chat(model, tokenizer, conversations, max_new_tokens=sampling.max_new_tokens,
                                temperature=sampling.temperature, top_p=sampling.top_p,
                                batch_size=sampling.batch_size, desc=desc)
    texts = [g.text for g in generations]
    return [texts[i * sampling.k:(i + 1) * sampling.k] for i in range(len(prompts))]


def answer_with_model(reference: str, prompts: list[AuditPrompt], sampling: Sampling, dtype: str = "float32",
                      stage: str | None = None) -> list[list[str]]:
    from tuneline.models.load import load_for_inference
    from tuneline.progress import status

    dtype = fast_dtype() if dtype == "auto" else dtype
    with status(f"loading {reference} ({dtype})"):
        model, tokenizer = load_for_inference(reference, dtype=dtype, stage=stage)
    return answer_locally(model, tokenizer, prompts, sampling, desc=f"answering ({reference})")


def endpoint_chat(base_url: str, model: str, api_key: str | None = None, timeout: float = 120.0,
                  setting: str = "--base-url"):
    """A function (messages, max_tokens, temperature, top_p) → reply text against /chat/completions."""
    import httpx

    url = base_url.rstrip("/") + "/chat/completions"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    client = httpx.Client(timeout=timeout)

    def chat(messages: list[dict], max_tokens: int, temperature: float, top_p: float) -> str:
        body = {"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": temperature,
                "top_p": top_p}
        try:
            response = client.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot reach the endpoint {url}: {exc}", where=setting,
                              fix="start the server, or give the URL of a reachable OpenAI-compatible API "
                                  "(e.g. http://localhost:8000/v1)") from None
        if response.status_code != 200:
            raise ConfigError(f"the endpoint {url} answered HTTP {response.status_code}: {response.text[:200]}",
                              where=setting, fix="check the model name (--endpoint-model) and the API key")
        try:
            return response.json()["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise ConfigError(f"the endpoint {url} did not answer in the OpenAI chat format", where=setting,
                              fix="give the /v1 base URL of an OpenAI-compatible server") from None

    return chat


def answer_with_endpoint(base_url: str, model: str, prompts: list[AuditPrompt], sampling: Sampling,
                         api_key: str | None = None) -> list[list[str]]:
    from tuneline.progress import bar

    chat = endpoint_chat(base_url, model, api_key)
    answers = []
    for prompt in bar(prompts, desc=f"answering ({base_url})", unit="prompt"):
        answers.append([chat(prompt.messages, sampling.max_new_tokens, sampling.temperature, sampling.top_p)
                        for _ in range(sampling.k)])
    return answers
