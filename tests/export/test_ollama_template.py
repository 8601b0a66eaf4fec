"""The chat template as Ollama's TEMPLATE: the per-role pieces read off the Jinja template
rebuild every conversation exactly as the tokenizer renders it, and Go's text/template
(Ollama's engine) renders the generated TEMPLATE the same way where Go is installed."""

from __future__ import annotations

import json
import shutil
import subprocess

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


GO_RENDER = """package main

import (
	"encoding/json"
	"os"
	"text/template"
)

type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

func main() {
	src, _ := os.ReadFile(os.Args[1])
	var data struct{ Messages []Message }
	json.NewDecoder(os.Stdin).Decode(&data.Messages)
	template.Must(template.New("t").Parse(string(src))).Execute(os.Stdout, data)
}
"""


@pytest.mark.skipif(shutil.which("go") is None, reason="needs Go (Debian: golang-go) to run Ollama's template engine")
def test_gos_text_template_renders_the_modelfile_template_like_jinja(smollm_tokenizer, tmp_path):
    """Ollama executes TEMPLATE with Go's text/template over .Messages (the Modelfile's
    SYSTEM first when a request has none): the same engine must give the same prompt."""
    (tmp_path / "main.go").write_text(GO_RENDER)
    subprocess.run(["go", "mod", "init", "render"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run(["go", "build", "-o", "render", "."], cwd=tmp_path, check=True, capture_output=True)
    parts = chat_parts(smollm_tokenizer)
    (tmp_path / "template.txt").write_text(go_template(parts))
    for messages in CONVERSATIONS:
        sent = messages if messages[0]["role"] == "system" else [
            {"role": "system", "content": parts.default_system}, *messages]
        rendered = subprocess.run([str(tmp_path / "render"), str(tmp_path / "template.txt")], input=json.dumps(sent),
                                  capture_output=True, text=True, check=True).stdout
        assert rendered == smollm_tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
