"""`tuneline data synth` with a real (tiny, random-weight) teacher: the dataset is written
with passages, a run killed part-way resumes without asking the teacher again for finished
chunks, and an endpoint that is down is one clear line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tuneline.cli.main import main
from tuneline.eval.synth import parse_pairs, parse_questions

SRC = Path(__file__).resolve().parents[2] / "src"


def test_replies_are_read_as_question_answer_pairs():
    reply = ("Sure! Here are two:\n1. Q: How long do refunds take?\n   A: Five business days.\n\n"
             "**Q2:** What does Team cost?\n**A2:** 8 euros a seat.\nQ: dangling question")
    assert parse_pairs(reply) == [("How long do refunds take?", "Five business days."),
                                  ("What does Team cost?", "8 euros a seat.")]
    assert parse_questions("Q: Can I print?\nQ: Is there a dark mode?") == ["Can I print?", "Is there a dark mode?"]


def write_synth(tmp_path: Path, teacher: str, pages: int = 3) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for page in range(pages):
        (docs / f"page{page}.md").write_text(f"# Page {page}\n## Setup\nStep {page} opens the panel.\n"
                                             f"## Limits\nAt most {page + 2} devices per account.\n")
    (tmp_path / "seed.jsonl").write_text(
        '{"question": "How many devices can page 1 accounts use?", "answer": "At most 3 devices.", '
        '"source": "page1.md"}\n{"question": "Can the app fly a drone?", "answerable": false}\n')
    config = tmp_path / "synth.yaml"
    config.write_text(f"docs: docs\noutput: out\nseed_pairs: seed.jsonl\neval_fraction: 0.5\n"
                      f"teacher:\n{teacher}  batch_size: 1\n  max_new_tokens: 12\n")
    return config


def test_a_killed_synth_resumes_without_redoing_finished_chunks(tmp_path, tiny_lm_dir, capsys):
    config = write_synth(tmp_path, f"  model: {tiny_lm_dir}\n", pages=4)  # 8 chunks, one per batch
    cache = tmp_path / "out" / "cache"
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "tuneline.cli.main", "data", "synth", str(config)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(cache.glob("*.json"))) < 2 and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = len(list(cache.glob("*.json")))
    assert 2 <= finished < 8, "the kill came after the run ended; nothing to resume"

    assert main(["data", "synth", str(config)]) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["chunks"] == 8 and report["chunks_from_cache"] == finished
    # two prompts per chunk (questions, unanswerable questions), only for the chunks left;
    # the random-weight teacher writes nothing readable, so no support checks follow
    assert report["teacher_prompts"] == 2 * (8 - finished)
    assert f"{finished} chunks from the cache" in capsys.readouterr().out
    rows = [json.loads(line) for split in ("train", "eval") for line in
            (tmp_path / "out" / f"{split}.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and report["origin"] == {"seed": 2}
    answerable = next(row for row in rows if row["answerable"])
    assert answerable["passage"] == "Page 1 > Limits\n\nAt most 3 devices per account."
    assert answerable["messages"][1] == {"role": "assistant", "content": "At most 3 devices."}
    assert next(row for row in rows if not row["answerable"])["messages"][1]["content"].startswith("That is not")


def test_a_teacher_endpoint_that_is_down_is_one_clear_line(tmp_path, capsys):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_synth(tmp_path, f"  model: any\n  base_url: http://127.0.0.1:{port}/v1\n  timeout_s: 5\n")
    assert main(["data", "synth", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"cannot reach the teacher endpoint http://127.0.0.1:{port}/v1" in err
    assert "teacher.base_url" in err and "Traceback" not in err


def test_an_empty_docs_folder_is_named(tmp_path, capsys):
    (tmp_path / "docs").mkdir()
    (tmp_path / "synth.yaml").write_text("docs: docs\n")
    assert main(["data", "synth", str(tmp_path / "synth.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'docs'}: no .md, .txt or .html documents" in err and "Traceback" not in err
