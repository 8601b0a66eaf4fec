"""The classification suite scores a saved classifier with the classify stage's metrics."""

from __future__ import annotations

import json

from tuneline.cli.main import main

ROWS = [("the sync works great", "positive"), ("lovely new editor", "positive"), ("fast and clear", "positive"),
        ("I like the tags", "positive"), ("it crashed twice", "negative"), ("lost my notes", "negative")]


def write_always_positive_classifier(folder):
    """A tiny BERT whose head always picks 'positive' (bias +10 against -10)."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from tuneline.models.registry import resolve_model_path

    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path("builtin:minilm-l6"))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, num_labels=2, id2label={0: "negative", 1: "positive"},
                        label2id={"negative": 0, "positive": 1}, problem_type="single_label_classification")
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([-10.0, 10.0]))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_classification_suite_on_a_saved_classifier(tmp_path, capsys):
    write_always_positive_classifier(tmp_path / "classify" / "model")
    data = tmp_path / "labels.csv"
    data.write_text("text,label\n" + "".join(f"{text},{label}\n" for text, label in ROWS))
    out = tmp_path / "eval"
    assert main(["eval", str(tmp_path / "classify"), "--suite", "classification", "--labeled", str(data),
                 "--output", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())["details"]["targets"]["classify"]["classification"]
    assert metrics["accuracy"] == 4 / 6 and metrics["examples"] == 6  # always 'positive': right on 4 of 6
    assert (out / "classify_confusion.csv").read_text().splitlines()[1:] == ["negative,0,2", "positive,0,4"]
