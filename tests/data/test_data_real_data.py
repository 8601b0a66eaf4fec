"""The public datasets in ../shared/data load with `format: auto` and the row counts of
their README. Skipped where that folder is absent (it is not part of the project)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuneline.config.schema import DatasetConfig
from tuneline.data.load import load_records, load_splits

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="shared public data not present")


@pytest.mark.parametrize("relative, rows, schema", [
    ("classification/clinc150_train.csv", 15100, "text_label"),
    ("classification/clinc150_val.csv", 3100, "text_label"),
    ("preference/hh_rlhf_helpful_base_dev.jsonl", 1848, "hh"),
    ("preference/hh_rlhf_harmless_base_dev.jsonl", 1808, "hh"),
    ("instruction/alpaca_1k_train_800.jsonl", 800, "alpaca"),
])
def test_public_files_load_with_auto_and_counts_match(relative, rows, schema):
    records, report = load_records(str(SHARED / relative), task="auto", on_invalid="drop")
    assert report.schema == schema and report.rows_read == rows
    # every row is either kept or dropped with a reason (HH has a few malformed transcripts)
    assert report.records + sum(report.dropped.values()) == rows
    assert sum(report.dropped.values()) <= rows * 0.01


def test_clinc_eval_labels_belong_to_the_training_labels():
    splits = load_splits(DatasetConfig(path=str(SHARED / "classification/clinc150_train.csv"),
                                       eval_path=str(SHARED / "classification/clinc150_val.csv")), "classification")
    assert (len(splits.train), len(splits.eval)) == (15100, 3100)
    assert len({r.label for r in splits.train}) == 151  # 150 intents + oos
