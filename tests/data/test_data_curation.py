"""Curation: near-duplicates found with recall and precision ≥ 0.9 on a planted fixture,
hand-checked Jaccard and Luhn, PII scrubbing, leakage, length/quality and pair checks."""

from __future__ import annotations

from collections import Counter

import pytest
from near_duplicates import near_duplicate_fixture

from tuneline.data.curation.curate import CurationConfig, FilterEffect, curate, repetition_share
from tuneline.data.curation.dedupe import find_exact_duplicates, find_near_duplicates, jaccard, minhash, shingles
from tuneline.data.curation.pii import luhn_valid, scrub_text
from tuneline.data.records import Conversation, LabeledText, Preference


def chat(question: str, answer: str, source: str) -> Conversation:
    return Conversation([{"role": "user", "content": question}, {"role": "assistant", "content": answer}], source=source)


def test_planted_near_duplicates_recall_and_precision():
    texts, planted = near_duplicate_fixture(num_texts=400, num_planted=100, seed=7)
    found = {d.index for d in find_near_duplicates(texts, threshold=CurationConfig().near_threshold)}
    recall = len(found & planted) / len(planted)
    precision = len(found & planted) / len(found)
    assert recall >= 0.9 and precision >= 0.9, (recall, precision)


def test_jaccard_by_hand():
    # "abcdef" → {abcde, bcdef}; "abcdeg" → {abcde, bcdeg}: 1 shared of 3 distinct.
    assert jaccard(shingles("abcdef"), shingles("abcdeg")) == pytest.approx(1 / 3)
    assert jaccard(set(), set()) == 1.0


def test_minhash_estimates_jaccard():
    a = "the quick brown fox jumps over the lazy dog near the quiet river bank at dawn"
    b = a.replace("lazy", "sleepy")
    true = jaccard(shingles(a), shingles(b))
    estimate = minhash(a).jaccard(minhash(b))
    assert abs(estimate - true) < 0.15
    assert minhash(a).jaccard(minhash(a)) == 1.0


def test_exact_duplicates_ignore_case_and_punctuation():
    found = find_exact_duplicates(["Hello, world!", "hello world", "goodbye"])
    assert [(d.index, d.original) for d in found] == [(1, 0)]


def test_luhn_by_hand():
    # 79927398713 is the textbook Luhn example: 7+9+9+4+7+6+9+7+7+2+3 = 70 ≡ 0 (mod 10).
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


def test_pii_scrubbing_keeps_ordinary_numbers():
    counts: Counter = Counter()
    text = ("Write to ana.lopez@example.com or call +44 20 7946 0958. Card 4111 1111 1111 1111. "
            "Order 1234567812345678 shipped on 2024-05-01 in 3 boxes.")
    scrubbed = scrub_text(text, counts)
    assert scrubbed == ("Write to [EMAIL] or call [PHONE]. Card [CARD]. "
                        "Order 1234567812345678 shipped on 2024-05-01 in 3 boxes.")
    assert counts == {"email": 1, "phone": 1, "card": 1}


@pytest.mark.parametrize("text", ["pages 18755-18761", "winter of 1918-1919", "built from 1931-1936.",
                                  "https://www.npr.org/2020/08/25/905442347/how", "routing 021000322",
                                  "qid=1503012345&sr", "ip 10.100.200.30", "Show (1979-1983)", "ISBN 978-3-16-148410-0"])
def test_pii_leaves_ranges_urls_and_ids_alone(text):
    assert scrub_text(text) == text


@pytest.mark.parametrize("text", ["call +1 (415) 555-2671.", "(212) 684-4700", "+44 20 7946 0958", "dial 555-0199 now"])
def test_pii_finds_phone_numbers_in_common_shapes(text):
    assert "[PHONE]" in scrub_text(text) and not any(ch.isdigit() for ch in scrub_text(text).replace("[PHONE]", ""))


def test_repetition_share_by_hand():
    # "a b c a b c": 3-grams abc, bca, cab, abc → 1 repeat of 4.
    assert repetition_share("a b c a b c") == pytest.approx(0.25)


def test_curate_reports_every_filter_and_removes_leakage():
    train = [chat("How do I boil an egg?", "Simmer it for nine minutes.", "t:1"),
             chat("How do I boil an egg?", "Simmer it for nine minutes.", "t:2"),  # exact duplicate
             chat("What is the capital of Chile?", "Santiago.", "t:3"),  # leaks into eval
             chat("Say something.", "ok ok ok ok ok ok ok ok ok ok", "t:4"),  # degenerate repetition
             chat("Email me the report", "Send it to bob@example.org please.", "t:5")]
    evaluation = [chat("What is the capital of Chile ?", "It is Santiago.", "e:1")]
    result = curate(train, evaluation, CurationConfig(scrub_pii=True))
    effects = {effect.name: effect for effect in result.effects}
    assert effects["train: exact duplicates"].removed == 1
    assert effects["train: length and quality"].removed == 1
    assert effects["train/eval leakage"].removed == 1 and "t:3" in effects["train/eval leakage"].examples[0]
    assert effects["PII scrubbing"].changed == 1
    assert [r.source for r in result.train] == ["t:1", "t:5"]
    assert result.train[1].messages[1]["content"] == "Send it to [EMAIL] please."
    assert len(result.eval) == 1


def test_leakage_can_be_removed_from_eval_instead():
    train = [chat("What is the capital of Chile?", "Santiago.", "t:1")]
    evaluation = [chat("What is the capital of Chile?", "Santiago!", "e:1"), chat("Name a colour.", "Red.", "e:2")]
    result = curate(train, evaluation, CurationConfig(leakage="remove_from_eval"))
    assert [r.source for r in result.eval] == ["e:2"] and len(result.train) == 1


def test_preference_pair_checks_drop_near_identical_answers_and_measure_length_bias():
    def pair(chosen: str, rejected: str, source: str) -> Preference:
        return Preference([{"role": "user", "content": f"question {source}"}], [{"role": "assistant", "content": chosen}],
                          [{"role": "assistant", "content": rejected}], source=source)

    records = [pair("The answer is forty two, as computed above.", "The answer is forty two, as computed above!", "p:1"),
               pair("A long and careful answer with reasons.", "No.", "p:2")]
    result = curate(records, [], CurationConfig(near_dedupe=False))
    effect = next(e for e in result.effects if e.name == "train: preference pairs")
    assert effect.removed == 1 and effect.notes["chosen_longer_share"] == 0.5
    assert [r.source for r in result.train] == ["p:2"]


def test_classification_dedupe_uses_text():
    records = [LabeledText("play jazz", "music", "c:1"), LabeledText("Play jazz!", "music", "c:2")]
    result = curate(records, [], CurationConfig())
    assert len(result.train) == 1


def test_filter_effect_keeps_three_examples():
    effect = FilterEffect("x")
    for i in range(5):
        effect.note(f"s:{i}", "why")
    assert len(effect.examples) == 3


def test_pipeline_datasets_are_curated_by_load_splits(tmp_path):
    import json

    from tuneline.config.schema import DatasetConfig
    from tuneline.data.load import load_splits

    rows = [{"prompt": f"Question {i}: {text}", "completion": "An answer."}
            for i, text in enumerate(near_duplicate_fixture(num_texts=30, num_planted=0)[0])]
    rows.append(dict(rows[0]))  # an exact copy
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = DatasetConfig(path=str(path), eval_fraction=0.0, curation={"near_dedupe": False})
    splits = load_splits(config, "sft")
    assert len(splits.train) == 30
    assert {f["name"]: f["removed"] for f in splits.report.splits["curation"]}["train: exact duplicates"] == 1
    with pytest.raises(ValueError, match="near_treshold"):
        DatasetConfig(path="x", curation={"near_treshold": 0.5})
