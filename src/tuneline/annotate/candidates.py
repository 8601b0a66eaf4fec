"""Where annotation work comes from: prompts with k candidate answers.

- `items_from_jsonl`: a file of {"prompt": …, "answers": [...]} (an answer may be
  {"text": …, "model": …}); `annotate add`.
- `prompts_from_jsonl` / `prompts_from_log`: prompts only, from a file or from the serving
  request log (answered requests; the log holds only traffic the server was set to log).
- `generate_candidates`: k answers per prompt, sampled from local models or adapters
  (batched, through the one chat template) or from an OpenAI-compatible endpoint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tuneline.data.annotations.store import NewItem
from tuneline.data.formats import message_list
from tuneline.data.problems import RecordProblem, RowProblem
from tuneline.data.readers import read_rows
from tuneline.errors import DataError, UserError

Messages = list[dict[str, Any]]


def _prompt_id(messages: Messages) -> str:
    return hashlib.sha256(json.dumps(messages, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def _jsonl(path: str | Path) -> list[tuple[str, dict[str, Any]]]:
    """(file:line, row) per line; a DataError naming the line for a broken one."""
    if not Path(path).is_file():
        raise DataError("the file does not exist", where=str(path), fix="check the path")
    rows = []
    for row in read_rows(str(path), "jsonl"):
        if isinstance(row, RowProblem):
            raise row.to_error()
        rows.append((row.source, row.data))
    return rows


def _messages(row: dict[str, Any], where: str) -> Messages:
    if "prompt" not in row:
        raise DataError("field 'prompt' is missing", where=where, fix="give 'prompt' as text or a list of messages")
    try:
        return message_list(row["prompt"], "prompt", "user")
    except RecordProblem as exc:
        raise exc.at(where).to_error() from None


def items_from_jsonl(path: str | Path, task: str = "auto") -> list[NewItem]:
    """Items from rows {"id"?, "prompt", "answers": [text | {"text", "model"}]}."""
    out = []
    for where, row in _jsonl(path):
        prompt = _messages(row, where)
        raw = row.get("answers")
        if not isinstance(raw, list) or not raw:
            raise DataError("field 'answers' must be a non-empty list", where=where,
                            fix='write "answers": ["first answer", "second answer"]')
        texts, models = [], []
        for index, answer in enumerate(raw):
            if isinstance(answer, dict) and isinstance(answer.get("text"), str):
                texts.append(answer["text"])
                models.append(str(answer.get("model") or ""))
            elif isinstance(answer, str):
                texts.append(answer)
                models.append("")
            else:
                raise DataError(f"answers[{index}] must be text or {{\"text\": ..., \"model\": ...}}", where=where,
                                fix="write each answer as a string")
        item = NewItem(external_id=str(row.get("id") or _prompt_id(prompt) + f"-{_answers_id(texts)}"),
                       prompt=prompt, answers=texts, models=models, source=where)
        check_task(item, task, where)
        out.append(item)
    return out


def _answers_id(texts: list[str]) -> str:
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:8]


def check_task(item: NewItem, task: str, where: str) -> None:
    wanted = {"pairwise": "exactly 2", "ranking": "3 or more", "rating": "exactly 1"}
    if task != "auto" and item.kind != task:
        raise DataError(f"a {task} item needs {wanted[task]} answers, this one has {len(item.answers)}", where=where,
                        fix="change the answers, or the config's task (auto takes each item by its answer count)")


def prompts_from_jsonl(path: str | Path) -> list[tuple[str, Messages]]:
    return [(where, _messages(row, where)) for where, row in _jsonl(path)]


def prompts_from_log(path: str | Path, limit: int | None = None) -> list[tuple[str, Messages]]:
    """Distinct prompts of the answered chat requests in a serving request log, oldest first."""
    from tuneline.serve.requestlog import read_requests

    if not Path(path).exists():
        raise DataError("the request log does not exist", where=str(path),
                        fix="give the server's log_db (a run's requests.sqlite)")
    seen: set[str] = set()
    out = []
    for row in read_requests(path):
        if not row.get("messages"):
            continue
        messages = json.loads(row["messages"])
        prompt = [m for m in messages if m.get("role") in ("system", "user", "assistant")]
        if not prompt or prompt[-1]["role"] != "user":
            continue
        key = _prompt_id(prompt)
        if key in seen:
            continue
        seen.add(key)
        out.append((f"{path}#{row['id']}", prompt))
        if limit is not None and len(out) >= limit:
            break
    return out


Sampler = Callable[[list[Messages]], list[str]]


def local_sampler(reference: str, max_new_tokens: int, temperature: float, batch_size: int = 8) -> Sampler:
    """Answers from a local model, adapter or run directory, batched."""
    from tuneline.eval.generate import generate_chat
    from tuneline.models.load import load_for_inference

    model, tokenizer = load_for_inference(reference)

    def sample(prompts: list[Messages]) -> list[str]:
        return [g.text for g in generate_chat(model, tokenizer, prompts, max_new_tokens=max_new_tokens,
                                               temperature=temperature, batch_size=batch_size,
                                               desc=f"answers from {Path(reference).name or reference}")]

    return sample


def endpoint_sampler(url: str, model: str, max_new_tokens: int, temperature: float, api_key: str | None = None,
                     concurrency: int = 16) -> Sampler:
    """Answers from an OpenAI-compatible endpoint, `concurrency` requests in flight (a
    batching server answers them together)."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    headers = {"authorization": f"Bearer {api_key}"} if api_key else {}

    def sample(prompts: list[Messages]) -> list[str]:
        with httpx.Client(base_url=url.rstrip("/"), timeout=600, headers=headers) as client:
            def ask(messages: Messages) -> str:
                try:
                    reply = client.post("/chat/completions", json={
                        "model": model, "messages": messages, "max_tokens": max_new_tokens, "temperature": temperature})
                    reply.raise_for_status()
                except httpx.HTTPError as exc:
                    raise UserError(f"the endpoint failed: {exc}", where=url,
                                    fix="check the URL (it ends in /v1), the model name and the key") from None
                return reply.json()["choices"][0]["message"]["content"] or ""

            with ThreadPoolExecutor(concurrency) as pool:
                return list(pool.map(ask, prompts))

    return sample


def generate_candidates(prompts: list[tuple[str, Messages]], samplers: dict[str, Sampler],
                        samples_per_model: int = 1) -> list[NewItem]:
    """One item per prompt, with `samples_per_model` answers from each sampler (named)."""
    answers: dict[int, list[tuple[str, str]]] = {index: [] for index in range(len(prompts))}
    conversations = [messages for _, messages in prompts]
    for name, sample in samplers.items():
        for _ in range(samples_per_model):
            for index, text in enumerate(sample(conversations)):
                answers[index].append((text, name))
    return [NewItem(external_id=f"{_prompt_id(messages)}-{_answers_id([t for t, _ in answers[index]])}",
                    prompt=messages, answers=[t for t, _ in answers[index]], models=[m for _, m in answers[index]],
                    source=where) for index, (where, messages) in enumerate(prompts)]
