"""The data side of `tuneline data synth`: documents read as sections at their headings,
windows with overlap counted by hand, hand-written seed pairs tied to their passage, and
the bad inputs (empty folder, binary file) named."""

from __future__ import annotations

import pytest

from tuneline.data.synth.chunks import chunk_sections, windows
from tuneline.data.synth.dataset import read_seed_pairs, write_dataset
from tuneline.data.synth.documents import Section, read_folder
from tuneline.errors import DataError


def test_markdown_html_and_text_become_sections_named_by_their_headings(tmp_path):
    (tmp_path / "billing.md").write_text("# Billing\nIntro line.\n## Refunds\nRefunds take 5 days.\n"
                                         "```\n# not a heading\n```\n### Partial\nHalf back.\n# Plans\nTwo plans.\n")
    (tmp_path / "sync.html").write_text("<html><style>p{}</style><h1>Sync</h1><p>Every <b>5</b> minutes.</p>"
                                        "<h2>Offline</h2><p>Edits wait.</p></html>")
    (tmp_path / "notes.txt").write_text("Plain words.\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\x00")  # not a document suffix: ignored
    sections = {(s.source, s.heading): s.text for s in read_folder(tmp_path)}
    assert sections == {
        ("billing.md", "Billing"): "Intro line.",
        ("billing.md", "Billing > Refunds"): "Refunds take 5 days.\n```\n# not a heading\n```",
        ("billing.md", "Billing > Refunds > Partial"): "Half back.",
        ("billing.md", "Plans"): "Two plans.",
        ("notes.txt", "notes"): "Plain words.",
        ("sync.html", "Sync"): "Every 5 minutes.",
        ("sync.html", "Sync > Offline"): "Edits wait.",
    }


def test_windows_overlap_and_the_last_one_ends_at_the_end():
    # 10 tokens, windows of 4 overlapping by 1: steps of 3 → [0,4) [3,7) [6,10)
    assert windows(10, 4, 1) == [(0, 4), (3, 7), (6, 10)]
    assert windows(11, 4, 1) == [(0, 4), (3, 7), (6, 10), (9, 11)]
    assert windows(3, 4, 1) == [(0, 3)]
    words = " ".join(f"w{i}" for i in range(10))
    chunks = chunk_sections([Section("a.md", "A", words), Section("b.md", "B", "short one")], max_tokens=4, overlap=1)
    assert [c.text for c in chunks] == ["w0 w1 w2 w3", "w3 w4 w5 w6", "w6 w7 w8 w9", "short one"]
    assert len({c.id for c in chunks}) == 4 and chunks[0].passage == "A\n\nw0 w1 w2 w3"


def test_seed_pairs_find_their_passage_and_unanswerable_ones_get_the_fixed_answer(tmp_path):
    chunks = chunk_sections([Section("billing.md", "Refunds", "Refunds take five business days."),
                             Section("billing.md", "Plans", "The Team plan costs 8 euros a seat."),
                             Section("sync.md", "Sync", "Notes sync every five minutes.")])
    seed = tmp_path / "seed.jsonl"
    seed.write_text('{"question": "How much is the Team plan?", "answer": "8 euros a seat.", "source": "billing.md"}\n'
                    '\n{"question": "Does it run on a fridge?", "answerable": false}\n')
    pairs = read_seed_pairs(str(seed), chunks, "Not in the docs.")
    assert pairs[0].passage == "Plans\n\nThe Team plan costs 8 euros a seat." and pairs[0].source == "billing.md > Plans"
    assert (pairs[1].answer, pairs[1].answerable, pairs[1].passage) == ("Not in the docs.", False, "")
    seed.write_text('{"question": "How much?"}\n')
    with pytest.raises(DataError, match="needs an 'answer'") as error:
        read_seed_pairs(str(seed), chunks, "Not in the docs.")
    assert error.value.where == f"{seed}:1"


def test_an_empty_folder_and_a_binary_document_are_named(tmp_path):
    with pytest.raises(DataError, match="no .md, .txt or .html documents") as error:
        read_folder(tmp_path)
    assert error.value.where == str(tmp_path)
    (tmp_path / "manual.md").write_bytes(b"%PDF-1.7\x00\x01\x02binary")
    with pytest.raises(DataError, match="not a text file") as error:
        read_folder(tmp_path)
    assert error.value.where == str(tmp_path / "manual.md")


def test_seed_pairs_pinned_to_a_split_stay_there_and_keep_their_facts(tmp_path):
    import json

    chunks = chunk_sections([Section("billing.md", "Plans", "The Team plan costs 8 euros a seat.")])
    seed = tmp_path / "seed.jsonl"
    rows = [{"question": f"Team price, wording {i}?", "answer": "8 euros a seat.", "facts": ["8 euros"],
             "split": "eval" if i == 0 else "train"} for i in range(6)]
    rows += [{"question": f"Free question {i}?", "answer": "8 euros."} for i in range(10)]
    seed.write_text("".join(json.dumps(row) + "\n" for row in rows))
    pairs = read_seed_pairs(str(seed), chunks, "Not in the docs.")
    train, evaluation = write_dataset(pairs, tmp_path / "out", eval_fraction=0.2, seed=0, report={})
    held = [json.loads(line) for line in evaluation.read_text().splitlines()]
    trained = [json.loads(line) for line in train.read_text().splitlines()]
    questions = {r["messages"][0]["content"] for r in held}
    assert "Team price, wording 0?" in questions  # pinned to eval
    assert not {f"Team price, wording {i}?" for i in range(1, 6)} & questions  # pinned to train
    assert len(held) == 1 + 2 and len(trained) == 5 + 8  # 20% of the 10 free pairs held out
    assert held[[r["messages"][0]["content"] for r in held].index("Team price, wording 0?")]["facts"] == ["8 euros"]
    assert "facts" not in next(r for r in trained if r["messages"][0]["content"].startswith("Free"))

    seed.write_text('{"question": "Team price?", "answer": "8 euros.", "split": "test"}\n')
    with pytest.raises(DataError, match="split 'test' is not train or eval"):
        read_seed_pairs(str(seed), chunks, "Not in the docs.")
    seed.write_text('{"question": "Team price?", "answer": "8 euros.", "facts": "8 euros"}\n')
    with pytest.raises(DataError, match="'facts' must be a list"):
        read_seed_pairs(str(seed), chunks, "Not in the docs.")
