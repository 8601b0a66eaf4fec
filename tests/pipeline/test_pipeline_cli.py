"""The CLI front door: help everywhere, the builtin list, the plan, and one-shot chat."""

from __future__ import annotations

import pytest

from tuneline.cli.main import build_parser, main


def subcommand_paths(parser, prefix=()):
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                yield prefix + (name,)
                yield from subcommand_paths(sub, prefix + (name,))


def test_every_subcommand_has_help(capsys):
    paths = list(subcommand_paths(build_parser()))
    assert {("run",), ("validate",), ("models", "list"), ("chat",)} <= set(paths)
    for path in paths:
        with pytest.raises(SystemExit) as exit_info:
            main([*path, "--help"])
        assert exit_info.value.code == 0, path
        assert "usage: tuneline" in capsys.readouterr().out


def test_models_list_shows_each_builtin_and_its_state(capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "builtin:smollm2-135m-instruct" in out and "builtin:minilm-l6" in out
    assert "ready" in out


def test_validate_prints_the_plan_with_counts(tmp_path, tiny_lm_dir, quickstart_dir, capsys):
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(f"""
name: plan
model: {tiny_lm_dir}
datasets:
  chats: {{path: {quickstart_dir}/sft_train.jsonl, eval_path: {quickstart_dir}/sft_eval.jsonl}}
stages:
  - {{type: sft, dataset: chats}}
""")
    assert main(["validate", str(pipeline)]) == 0
    out = capsys.readouterr().out
    assert "chats as sft: 120 train, 40 held out" in out and "training tokens per epoch" in out
    assert "1. sft (sft) on chats" in out


def test_chat_one_shot_answers_through_the_template(tiny_lm_dir, capsys):
    assert main(["chat", str(tiny_lm_dir), "--prompt", "Hello there", "--max-new-tokens", "4"]) == 0
    answer = capsys.readouterr().out
    assert answer.endswith("\n") and "<|im_start|>" not in answer and "<|im_end|>" not in answer
