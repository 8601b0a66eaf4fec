"""The chat template as Ollama's TEMPLATE: the per-role pieces read off the Jinja template
rebuild every conversation exactly as the tokenizer renders it."""

from __future__ import annotations

import pytest

from tuneline.errors import ModelError
from tuneline.export.ollama import chat_parts, go_template

CONVERSATIONS = [
    [{"role": "user", "content": "Hi"}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is {{x}}?"}],
    [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}, {"role": "user", "content": "and 3+3?"}],
]


@pytest.mark.parametrize("messages", CONVERSATIONS)
def test_parts_rebuild_the_tokenizers_rendering(smollm_tokenizer, messages):
    parts = chat_parts(smollm_tokenizer)
    want = smollm_tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert parts.render(messages) == want


def test_template_escapes_braces_and_keeps_newlines(smollm_tokenizer):
    parts = chat_parts(smollm_tokenizer)
    odd = type(parts)({**parts.before, "user": "{{user}}\n"}, parts.after, parts.generation_prompt, None)
    template = go_template(odd)
    assert '{{ "{{" }}user}}\n{{ .Content }}' in template and "{{-" not in template


def test_tokenizer_without_template_is_refused(smollm_tokenizer):
    import copy

    bare = copy.deepcopy(smollm_tokenizer)
    bare.chat_template = None
    with pytest.raises(ModelError, match="no chat template"):
        chat_parts(bare)
