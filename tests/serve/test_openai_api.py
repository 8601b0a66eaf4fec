"""The official openai client against a real server on 127.0.0.1 (tiny random model)."""

from __future__ import annotations

import pytest
from tiny_models import ADAPTERS

MODELS = [*ADAPTERS, "base", "auto"]
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


def reference_greedy(tiny_models, adapter: str, messages, max_new_tokens: int) -> str:
    """Plain PEFT generate with the adapter set active: what the server must reproduce."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tuneline.data.chat import render_prompt

    tokenizer = AutoTokenizer.from_pretrained(tiny_models["base"])
    model = AutoModelForCausalLM.from_pretrained(tiny_models["base"])
    if adapter != "base":
        model = PeftModel.from_pretrained(model, str(tiny_models[adapter]))
    inputs = tokenizer(render_prompt(tokenizer, messages), add_special_tokens=False, return_tensors="pt")
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
    return tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)


def test_models_lists_adapters_base_and_auto(client):
    assert {m.id for m in client.models.list()} == set(MODELS)


@pytest.mark.parametrize("model", MODELS)
def test_chat_stream_and_completion_for_each_model(client, model):
    chat = client.chat.completions.create(model=model, messages=QUESTION, max_tokens=10, temperature=0)
    text = chat.choices[0].message.content
    assert chat.choices[0].finish_reason in ("stop", "length")
    assert chat.usage.completion_tokens >= 1
    served = chat.model
    assert served in (*ADAPTERS, "base") and (model == "auto" or served == model)

    stream = client.chat.completions.create(model=model, messages=QUESTION, max_tokens=10, temperature=0,
                                            stream=True)
    pieces, reasons = [], []
    for chunk in stream:
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
            reasons.append(chunk.choices[0].finish_reason)
    assert "".join(pieces) == text  # streaming and non-streaming greedy answers agree
    assert reasons[-1] in ("stop", "length")

    completion = client.completions.create(model=model, prompt="Once upon a time", max_tokens=6, temperature=0)
    assert completion.choices[0].finish_reason in ("stop", "length")
    assert completion.usage.completion_tokens >= 1
    streamed = client.completions.create(model=model, prompt="Once upon a time", max_tokens=6, temperature=0,
                                         stream=True)
    assert "".join(chunk.choices[0].text for chunk in streamed) == completion.choices[0].text


def test_each_adapter_answers_like_peft_generate(client, tiny_models):
    answers = {}
    for model in [*ADAPTERS, "base"]:
        chat = client.chat.completions.create(model=model, messages=QUESTION, max_tokens=12, temperature=0)
        answers[model] = chat.choices[0].message.content
        assert answers[model] == reference_greedy(tiny_models, model, QUESTION, 12)
    assert len(set(answers.values())) == len(answers)  # each adapter really changes the output


def test_auto_routes_by_rules_and_says_which_adapter_answered(client):
    raw = client.chat.completions.with_raw_response.create(
        model="auto", max_tokens=4, temperature=0,
        messages=[{"role": "user", "content": "Please summarise this article for me."}])
    assert raw.headers["x-tuneline-adapter"] == "summarise"
    assert raw.parse().model == "summarise"
    code = client.chat.completions.create(model="auto", max_tokens=4, temperature=0,
                                          messages=[{"role": "user", "content": "Write a python function"}])
    assert code.model == "code"
    other = client.chat.completions.create(model="auto", max_tokens=4, temperature=0,
                                           messages=[{"role": "user", "content": "Is the shop open on Sunday?"}])
    assert other.model == "qa"  # the fallback


def test_concurrent_requests_for_different_adapters_match_sequential(client):
    from concurrent.futures import ThreadPoolExecutor

    jobs = [(ADAPTERS[i % 3], [{"role": "user", "content": f"Tell me fact number {i}" + "!" * i}])
            for i in range(9)]

    def ask(job):
        model, messages = job
        chat = client.chat.completions.create(model=model, messages=messages, max_tokens=10, temperature=0)
        return chat.choices[0].message.content

    sequential = [ask(job) for job in jobs]
    with ThreadPoolExecutor(9) as pool:
        concurrent = list(pool.map(ask, jobs))
    assert concurrent == sequential


def test_logprobs_are_the_models_log_softmax_of_each_greedy_token(client, tiny_models):
    """`logprobs: true, top_logprobs: 3` on a greedy request: one entry per generated token,
    each the token the model's own log-softmax ranks first (greedy), its alternatives in
    descending order, matching a plain forward pass of the same prompt to 1e-4."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tuneline.data.chat import render_prompt

    response = client.chat.completions.create(model="base", messages=QUESTION, max_tokens=3, temperature=0,
                                              logprobs=True, top_logprobs=3)
    entries = response.choices[0].logprobs.content
    assert len(entries) == response.usage.completion_tokens == 3
    for entry in entries:
        assert [alt.token for alt in entry.top_logprobs][0] == entry.token  # greedy: the likeliest token
        values = [alt.logprob for alt in entry.top_logprobs]
        assert values == sorted(values, reverse=True) and len(values) == 3
    tokenizer = AutoTokenizer.from_pretrained(tiny_models["base"])
    model = AutoModelForCausalLM.from_pretrained(tiny_models["base"])
    ids = tokenizer(render_prompt(tokenizer, QUESTION), add_special_tokens=False, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        first = torch.log_softmax(model(ids).logits[0, -1].float(), dim=-1)
    top = first.topk(3)
    assert [alt.logprob for alt in entries[0].top_logprobs] == pytest.approx(top.values.tolist(), abs=1e-4)
    assert [alt.token for alt in entries[0].top_logprobs] == [tokenizer.decode([i]) for i in top.indices.tolist()]
    plain = client.chat.completions.create(model="base", messages=QUESTION, max_tokens=3, temperature=0)
    assert plain.choices[0].logprobs is None and plain.choices[0].message.content == response.choices[0].message.content
