"""Candidates in: a JSONL of prompts and answers, the serving request log, local models."""

from __future__ import annotations

import json

from tuneline.annotate.candidates import generate_candidates, items_from_jsonl, local_sampler, prompts_from_log
from tuneline.cli.main import main
from tuneline.serve.requestlog import RequestLog


def test_annotate_add_reads_answers_and_names_a_bad_line(tmp_path, capsys):
    (tmp_path / "annotate.yaml").write_text("database: sqlite:///votes.db\nannotators: [ann, bob]\noverlap: 2\n")
    rows = [{"id": "a", "prompt": "Hi?", "answers": ["Hello.", {"text": "Hey.", "model": "v2"}]},
            {"prompt": [{"role": "user", "content": "Rank these"}], "answers": ["1", "2", "3"]}]
    (tmp_path / "items.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert main(["annotate", "add", str(tmp_path / "annotate.yaml"), str(tmp_path / "items.jsonl")]) == 0
    assert "2 items added (0 already there), 4 assignments made" in capsys.readouterr().out
    items = items_from_jsonl(tmp_path / "items.jsonl")
    assert [(item.kind, item.models) for item in items] == [("pairwise", ["", "v2"]), ("ranking", ["", "", ""])]
    (tmp_path / "bad.jsonl").write_text(json.dumps(rows[0]) + "\n" + '{"prompt": "x", "answers": []}\n')
    assert main(["annotate", "add", str(tmp_path / "annotate.yaml"), str(tmp_path / "bad.jsonl")]) == 2
    error = capsys.readouterr().err
    assert "bad.jsonl:2" in error and "answers" in error and "Traceback" not in error


def test_logged_requests_become_items_answered_by_local_models(tmp_path, tiny_lm_dir):
    log = RequestLog(tmp_path / "requests.sqlite")
    chat = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "How do I sync?"}]
    log.write(id="r1", endpoint="/v1/chat/completions", messages=chat, completion="Tap sync.", status=200)
    log.write(id="r2", endpoint="/v1/chat/completions", messages=chat, completion="Again.", status=200)  # same prompt
    log.write(id="r3", endpoint="/v1/chat/completions", messages=[{"role": "user", "content": "Hi"}], status=500)
    log.close()
    prompts = prompts_from_log(tmp_path / "requests.sqlite")
    assert [messages for _, messages in prompts] == [chat]  # one per distinct prompt, answered requests only
    sampler = local_sampler(str(tiny_lm_dir), max_new_tokens=4, temperature=1.0)
    [item] = generate_candidates(prompts, {"a": sampler, "b": sampler})
    assert item.kind == "pairwise" and item.models == ["a", "b"] and item.prompt == chat
