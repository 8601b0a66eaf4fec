"""ONNX export of a classifier: ONNX Runtime's logits match PyTorch's within 1e-4 on 100
texts of mixed lengths, and `tuneline predict` on the exported folder labels a file
exactly as it does with the PyTorch model."""

from __future__ import annotations

import random

import pytest

from tuneline.cli.main import main
from tuneline.export.run import export_model

WORDS = "invoice charged payment password locked sync laptop phone please help today again my the app".split()


def texts(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=rng.randint(1, 40))) for _ in range(count)]


@pytest.fixture(scope="module")
def onnx_export(tiny_classifier_stage, tmp_path_factory):
    return export_model(tiny_classifier_stage, tmp_path_factory.mktemp("onnx") / "clf", "onnx")


def test_onnx_logits_match_pytorch_on_100_texts(onnx_export, tiny_classifier_stage):
    from tuneline.export.checks import onnx_logit_gap

    assert onnx_export.record["labels"] == ["billing", "login", "sync"]
    assert onnx_logit_gap(onnx_export.output, tiny_classifier_stage / "model", texts(100)) <= 1e-4


def test_predict_runs_the_onnx_folder_like_the_pytorch_model(onnx_export, tiny_classifier_stage, tmp_path):
    import pandas as pd

    (tmp_path / "in.csv").write_text("text\n" + "\n".join(texts(20, seed=1)) + "\n")
    assert main(["predict", str(tiny_classifier_stage), str(tmp_path / "in.csv"), "-o", str(tmp_path / "torch.csv")]) == 0
    assert main(["predict", str(onnx_export.output), str(tmp_path / "in.csv"), "-o", str(tmp_path / "onnx.csv")]) == 0
    torch_rows, onnx_rows = pd.read_csv(tmp_path / "torch.csv"), pd.read_csv(tmp_path / "onnx.csv")
    assert onnx_rows["predicted_label"].tolist() == torch_rows["predicted_label"].tolist()
    assert (onnx_rows["prob_billing"] - torch_rows["prob_billing"]).abs().max() <= 1e-5
