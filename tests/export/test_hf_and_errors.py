"""`--format hf` (the default) and the errors a user meets: the folder loads with plain
transformers, says which engines serve it, stops at the chat template's end-of-turn token,
and answers like base + adapter; wrong targets and options get one clear line, exit 2."""

from __future__ import annotations

import json

from tuneline.cli.main import main
from tuneline.export.checks import CHECK_PROMPTS, greedy_agreement


def test_hf_export_loads_plainly_states_engines_and_eos(tiny_adapter, tmp_path, capsys):
    from transformers import AutoModelForCausalLM, GenerationConfig

    assert main(["export", str(tiny_adapter), str(tmp_path / "merged"), "--check", "3"]) == 0
    out = capsys.readouterr().out
    assert "loads with: transformers, vllm, tgi" in out
    assert json.loads(out.strip().splitlines()[-1])["same_greedy_tokens"] == 3
    folder = tmp_path / "merged"
    assert not (folder / "adapter_config.json").exists()
    AutoModelForCausalLM.from_pretrained(folder)
    assert GenerationConfig.from_pretrained(folder).eos_token_id == 2  # <|im_end|>, the end of an assistant turn
    serving = (folder / "SERVING.md").read_text()
    assert "vllm serve ./merged" in serving and "text-generation-inference" in serving
    assert greedy_agreement(folder, tiny_adapter, CHECK_PROMPTS[:5], max_new_tokens=16) == [True] * 5


def test_folder_without_adapter_or_model_is_one_clear_error(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a model")
    assert main(["export", str(tmp_path), str(tmp_path / "out"), "--format", "gguf"]) == 2
    err = capsys.readouterr().err
    assert f"no model or adapter found at '{tmp_path}'" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_non_llama_model_is_refused_for_gguf(tmp_path, capsys):
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    from tuneline.models.registry import resolve_model_path

    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path("builtin:smollm2-135m-instruct"))
    GPT2LMHeadModel(GPT2Config(vocab_size=len(tokenizer), n_embd=32, n_layer=1, n_head=2)).save_pretrained(tmp_path / "gpt2")
    tokenizer.save_pretrained(tmp_path / "gpt2")
    assert main(["export", str(tmp_path / "gpt2"), str(tmp_path / "out"), "--format", "gguf"]) == 2
    err = capsys.readouterr().err
    assert "llama architecture only; this model is 'gpt2'" in err and "--format hf" in err


def test_format_and_target_must_fit(tiny_adapter, tiny_classifier_stage, tmp_path, capsys):
    assert main(["export", str(tiny_adapter), str(tmp_path / "a"), "--format", "onnx"]) == 2
    assert "--format onnx exports text classifiers" in capsys.readouterr().err
    assert main(["export", str(tiny_classifier_stage), str(tmp_path / "b"), "--format", "gguf"]) == 2
    assert "use --format onnx" in capsys.readouterr().err
    assert main(["export", str(tiny_adapter), str(tmp_path / "c"), "--ollama"]) == 2
    assert "add --format gguf" in capsys.readouterr().err
