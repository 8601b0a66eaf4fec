"""GGUF export: the file reloads with transformers' own GGUF loader and answers like the
merged model, carries the tokenizer, chat template and EOS, and matches the metadata of
the GGUF that the builtin SmolLM2 ships in."""

from __future__ import annotations

import pytest

from tuneline.export.checks import CHECK_PROMPTS, compare_greedy, load_gguf
from tuneline.export.run import export_model

PROMPTS = CHECK_PROMPTS[:5]


@pytest.fixture(scope="module")
def f16_export(tiny_adapter, tmp_path_factory):
    return export_model(tiny_adapter, tmp_path_factory.mktemp("gguf") / "out", "gguf", quant="f16", ollama=True)


def test_f16_file_gives_the_merged_models_greedy_tokens(f16_export):
    model, tokenizer = load_gguf(f16_export.gguf_path)
    source = f16_export.source
    assert f16_export.record["origin"]["merged"] is True
    comparison = compare_greedy(source.model, model, source.tokenizer, PROMPTS, max_new_tokens=32,
                                candidate_tokenizer=tokenizer)
    assert comparison.identical_sequences == 5 and comparison.compared_tokens == 5 * 32
    assert comparison.teacher_forced_same == comparison.teacher_forced_total == 5 * 32


def test_file_carries_tokenizer_chat_template_and_eos(f16_export):
    _, tokenizer = load_gguf(f16_export.gguf_path)
    original = f16_export.source.tokenizer
    assert tokenizer.eos_token == original.eos_token == "<|im_end|>"
    assert tokenizer.chat_template == original.chat_template
    messages = [{"role": "user", "content": "Add 12 and 30, then say <|im_end|> stop."}]
    rendered = original.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert tokenizer(rendered)["input_ids"] == original(rendered)["input_ids"]


def test_ollama_modelfile_has_template_system_and_stop(f16_export):
    text = (f16_export.output / "Modelfile").read_text()
    assert text.startswith("FROM ./model-f16.gguf\n")
    assert 'PARAMETER stop "<|im_end|>"' in text
    assert 'SYSTEM """You are a helpful AI assistant named SmolLM' in text
    assert '{{ else if eq .Role "user" }}<|im_start|>user\n{{ .Content }}<|im_end|>\n' in text


@pytest.mark.parametrize("quant, types", [("q8_0", {"Q8_0", "F32"}), ("q4_0", {"Q4_0", "Q8_0", "F32"})])
def test_quantised_files_reload_and_mostly_agree(tiny_adapter, tmp_path, quant, types):
    from tuneline.export.gguf_reference import tensor_types

    result = export_model(tiny_adapter, tmp_path / quant, "gguf", quant=quant)
    assert set(tensor_types(result.gguf_path).values()) == types
    model, tokenizer = load_gguf(result.gguf_path)
    comparison = compare_greedy(result.source.model, model, result.source.tokenizer, PROMPTS[:2], max_new_tokens=16,
                                candidate_tokenizer=tokenizer)
    assert comparison.token_share >= 0.3  # measured on all 5 × 32: q8_0 0.93, q4_0 0.61 (random tiny weights)


def test_export_of_builtin_smollm2_matches_the_shipped_gguf_metadata(tmp_path):
    from tuneline.export.gguf_reference import read_metadata
    from tuneline.models.registry import builtin_gguf_files

    shipped = read_metadata(builtin_gguf_files()[0])
    result = export_model("builtin:smollm2-135m-instruct", tmp_path / "smol", "gguf", quant="q8_0")
    exported = read_metadata(result.gguf_path)
    structural = {key for key in shipped if not key.startswith("general.") or key in (
        "general.architecture", "general.file_type", "general.quantization_version", "general.type", "general.name")}
    assert structural <= set(exported)
    same = {key for key in structural if exported[key] == shipped[key]}
    assert structural - same == {"general.file_type", "general.name"}  # q8_0 vs the shipped Q4_1; our name
    assert exported["tokenizer.ggml.eos_token_id"] == 2 and exported["tokenizer.ggml.pre"] == "smollm"
