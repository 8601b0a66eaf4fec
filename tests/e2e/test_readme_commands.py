"""The README's commands on a run shaped like the quickstart's (tiny models): the run's
last stages are a reward model and a classifier, and each command still uses the stage a
user means. Commands tested elsewhere on a run (run, eval, compare, runs, data, models)
are not repeated here."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import tuneline
from tuneline.cli.main import main
from tuneline.io import file_sha256

PROMPT = "How do I reset my password?"


def chat(target: Path, capsys, *extra: str) -> tuple[int, str, str]:
    code = main(["chat", str(target), "--prompt", PROMPT, "--max-new-tokens", "12", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def next_token_logits(target: Path):
    import torch

    from tuneline.data.chat import tokenize_prompt
    from tuneline.models.load import load_for_inference

    model, tokenizer = load_for_inference(target)
    ids = tokenize_prompt(tokenizer, [{"role": "user", "content": PROMPT}])
    with torch.inference_mode():
        return model(input_ids=torch.tensor([ids])).logits[0, -1]


def test_a_run_chats_with_its_last_policy_not_its_reward_model_or_classifier(tiny_run, capsys):
    import torch

    code, answer, err = chat(tiny_run, capsys)
    assert code == 0 and f"using stage 'dpo' of {tiny_run}" in err
    assert chat(tiny_run / "dpo", capsys)[1] == answer
    code, newest_answer, err = chat(tiny_run.parent, capsys)  # runs/<name>: its newest run
    assert code == 0 and newest_answer == answer and f"using the newest, {tiny_run.name}" in err
    # the very weights of the DPO stage: not the SFT adapter it started from
    run_logits = next_token_logits(tiny_run)
    assert torch.equal(run_logits, next_token_logits(tiny_run / "dpo"))
    assert not torch.equal(run_logits, next_token_logits(tiny_run / "sft"))


def test_stage_picks_another_and_the_wrong_kind_is_a_one_line_error(tiny_run, tmp_path, capsys):
    code, _, err = chat(tiny_run, capsys, "--stage", "sft")
    assert code == 0 and "using stage 'sft'" in err
    code, out, err = chat(tiny_run, capsys, "--stage", "reward")
    assert code == 2 and not out and "Traceback" not in err
    assert err.splitlines()[0] == f"error: stage 'reward' of {tiny_run} is a reward model, not a chat model"
    code, _, err = chat(tiny_run / "classify", capsys)
    assert code == 2 and "is a classifier, not a chat model" in err and "tuneline predict" in err
    # a run that holds only a classifier names what it holds
    classifier_run = tmp_path / "classifier-run"
    shutil.copytree(tiny_run / "classify", classifier_run / "classify")
    manifest = json.loads((tiny_run / "manifest.json").read_text())
    manifest["stages"] = [s for s in manifest["stages"] if s["name"] == "classify"]
    (classifier_run / "manifest.json").write_text(json.dumps(manifest))
    code, _, err = chat(classifier_run, capsys)
    assert code == 2
    assert "holds no chat model (it holds: classify (classifier))" in err and "tuneline predict" in err


def test_export_of_the_run_merges_the_dpo_adapter_with_the_same_greedy_tokens(tiny_run, tmp_path, capsys):
    out = tmp_path / "merged"
    assert main(["export", str(tiny_run), str(out), "--check", "3"]) == 0
    captured = capsys.readouterr()
    check = json.loads(captured.out.splitlines()[-1])
    assert (check["format"], check["prompts"], check["same_greedy_tokens"], check["ok"]) == ("hf", 3, 3, True)
    assert "using stage 'dpo'" in captured.err
    assert json.loads((out / "tuneline_export.json").read_text())["origin"]["adapter"].endswith("dpo/adapter")


def test_eval_of_the_run_measures_its_policies_and_stage_narrows_it(tiny_run, capsys):
    assert main(["eval", str(tiny_run), "--suite", "loss", "--max-examples", "2"]) == 0, capsys.readouterr().err
    details = json.loads((tiny_run / "eval" / "metrics.json").read_text())["details"]
    assert list(details["targets"]) == ["base", "sft", "dpo"]  # the reward model and classifier are not chat models
    assert main(["eval", str(tiny_run), "--stage", "sft", "--suite", "loss", "--max-examples", "2"]) == 0
    assert list(json.loads((tiny_run / "eval" / "metrics.json").read_text())["details"]["targets"]) == ["base", "sft"]
    assert main(["eval", str(tiny_run), "--stage", "classify", "--suite", "loss"]) == 2
    assert "is a classifier, not a chat model" in capsys.readouterr().err


def test_score_and_predict_on_the_run_use_its_reward_model_and_classifier(tiny_run, tmp_path, capsys):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"prompt": PROMPT, "response": answer}) + "\n"
                             for answer in ("Tap Forgot password on the sign-in screen.", "No idea.")))
    assert main(["score", str(tiny_run), str(pairs)]) == 0
    captured = capsys.readouterr()
    assert "using stage 'reward'" in captured.err and "scored 2 responses" in captured.err
    assert all(isinstance(json.loads(line)["reward"], float) for line in captured.out.splitlines())
    tickets = Path(__file__).resolve().parents[2] / "examples" / "classify" / "tickets_test.csv"
    predictions = tmp_path / "predictions.csv"
    assert main(["predict", str(tiny_run), str(tickets), "-o", str(predictions)]) == 0
    captured = capsys.readouterr()
    assert "using stage 'classify'" in captured.err and "wrote 105 predictions" in captured.out
    assert main(["score", str(tiny_run), str(pairs), "--stage", "dpo"]) == 2
    assert "is a chat model, not a reward model" in capsys.readouterr().err


def test_serve_the_run_answer_an_openai_client_then_monitor_its_log(tiny_run, quickstart_dir, capsys):
    from openai import OpenAI

    from tuneline.eval.generate import generate_chat
    from tuneline.models.load import load_for_inference
    from tuneline.serve.app import RunningServer
    from tuneline.serve.config import config_for_artifact
    from tuneline.serve.service import build_state

    config = config_for_artifact(str(tiny_run))
    with RunningServer(build_state(config)) as server:
        client = OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0, timeout=60)
        assert {m.id for m in client.models.list()} == {"base", "dpo", "auto"}
        served = [client.chat.completions.create(model=name, messages=[{"role": "user", "content": PROMPT}],
                                                 max_tokens=8, temperature=0) for name in ("dpo", "auto")]
    assert [r.model for r in served] == ["dpo", "dpo"]  # auto answers with the run's policy
    model, tokenizer = load_for_inference(tiny_run / "dpo")
    expected = generate_chat(model, tokenizer, [[{"role": "user", "content": PROMPT}]], max_new_tokens=8)[0]
    assert served[0].choices[0].message.content.strip() == expected.text
    code = main(["monitor", str(tiny_run / "requests.sqlite"), "--train", f"dpo={quickstart_dir}/sft_train.jsonl"])
    report = capsys.readouterr().out
    assert code in (0, 3) and "served requests: 2" in report and "dpo 100%" in report


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_ui_answers_http_200_on_the_runs_tracking_store(tiny_run):
    port = _free_port()
    command = [sys.executable, "-m", "tuneline.cli.main", "ui", "--output-dir", str(tiny_run.parents[1]),
               "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                               env={**os.environ, "PYTHONPATH": str(Path(tuneline.__file__).parents[1])})
    try:
        deadline, status = time.monotonic() + 120, None
        while status is None and time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    status = response.status
            except OSError:
                time.sleep(1)
        assert status == 200, process.stderr.read().decode() if process.poll() is not None else "no answer"
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # mlflow ui starts its own server processes in this session
        process.wait(timeout=30)


def test_config_explain_lists_every_stage_type_with_its_description(capsys):
    from tuneline.stages import STAGE_MODULES

    assert main(["config", "explain"]) == 0
    listing = capsys.readouterr().out.splitlines()
    for stage_type in STAGE_MODULES:
        line = next(line for line in listing if line.split()[:1] == [stage_type])
        assert len(line.split()) > 4  # the type, then its description
    assert main(["config", "explain", "reward"]) == 0
    first, *options = capsys.readouterr().out.splitlines()
    assert first.startswith("stage type 'reward': train a reward model")
    assert any(line.split()[0] == "adapter_type" for line in options)


def test_validate_shows_each_stage_with_its_own_model_adapter_and_data(tiny_lm_dir, tiny_encoder_dir,
                                                                     quickstart_dir, tmp_path, capfd):
    tickets = quickstart_dir.parent / "classify"
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(f"""
name: judges
model: {tiny_lm_dir}
datasets:
  prefs: {{path: {quickstart_dir}/preferences_train.jsonl}}
  tickets: {{path: {tickets}/tickets_train.csv, eval_path: {tickets}/tickets_test.csv}}
stages:
  - {{name: reward, type: reward, dataset: prefs, adapter_type: full}}
  - {{name: route, type: classify, dataset: tickets, model: {tiny_encoder_dir}, label_column: queue}}
""")
    assert main(["validate", str(pipeline)]) == 0
    out, err = capfd.readouterr()
    assert "adapter: lora" not in out and "LoRA" not in out.split("2. route")[0]
    reward = out.split("1. reward")[1].split("2. route")[0]
    assert f"model: {tiny_lm_dir}" in reward and "trains: every weight (full fine-tuning)" in reward
    assert "prefs as preference: 108 train, 12 held out, ~" in reward  # tokens with the stage's own tokenizer
    route = out.split("2. route")[1].split("datasets:")[0]
    assert f"model: {tiny_encoder_dir}" in route and "LoRA adapter (r=16" in route
    assert "tickets as classification: 7 labels, 350 train, 105 held out" in route
    assert "labels: sync_problem 50" in out
    assert "Token indices sequence length" not in err and "Warning" not in err


def test_generate_suite_on_200_prompts_prints_progress_lines_into_a_log(tiny_lm_dir, tmp_path, capsys, monkeypatch):
    from tuneline import progress

    # a tiny model answers 200 prompts in seconds: a log would get no line, or only the last
    monkeypatch.setattr(progress, "LOG_MIN_DURATION_S", 0.0)
    monkeypatch.setattr(progress, "LONG_OPERATION_S", 0.0)
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": f"Question {i}: how do I sync?"}) + "\n" for i in range(200)))
    assert main(["eval", str(tiny_lm_dir), "--suite", "generate", "--prompts", str(prompts), "--max-prompts", "200",
                 "--max-new-tokens", "2", "--batch-size", "8", "--output", str(tmp_path / "eval")]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("generating: ")]
    assert len(lines) == 4, lines  # a line at each quarter of the way
    assert lines[-1].startswith("generating: 200/200 answer (100%), ")
    assert all("answer/s" in line or "s/answer" in line for line in lines)  # the rate
    assert "ETA" in lines[0]


def test_a_run_reads_each_data_file_once_and_keeps_its_copy(tiny_run_reads):
    """Validation, sft, dpo, reward, classify and eval all read the run's data; each source
    file is parsed once, and what the stages read is saved in the run with its sha256."""
    tiny_run, reads = tiny_run_reads
    assert reads == {"sft_train.jsonl": 1, "sft_eval.jsonl": 1, "preferences_train.jsonl": 1,
                            "preferences_eval.jsonl": 1, "tickets_train.csv": 1, "tickets_test.csv": 1}
    manifest = json.loads((tiny_run / "manifest.json").read_text())
    saved = manifest["data_files"]
    assert {"support.sft", "support_preferences.preference"} <= set(saved)
    for entry in saved.values():
        for split in entry.values():
            assert file_sha256(split["path"]) == split["sha256"]
            assert sum(1 for _ in open(split["path"])) == split["records"]
