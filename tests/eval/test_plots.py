"""Curves are found in any stage's log.jsonl by their names: loss, reward, KL, accuracy."""

from __future__ import annotations

import io
import json

from tuneline.eval import plots


def test_stage_figures_group_logged_series_by_concept(tmp_path):
    records = [{"step": s, "loss": 2.0 / s, "learning_rate": 1e-4, "kl": 0.01 * s, "reward_mean": 0.1 * s,
                "reward_accuracy": 0.5 + 0.1 * s} for s in (1, 2, 3)]
    records.append({"step": 3, "eval_loss": 1.5})
    records.append({"event": "checkpoint"})  # no step: not a point on a curve
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    figures = plots.stage_figures(tmp_path)
    assert set(figures) == {"loss", "KL", "reward and margin", "accuracy"}
    assert figures["loss"] == {"loss": [(1, 2.0), (2, 1.0), (3, 2.0 / 3)], "eval_loss": [(3, 1.5)]}
    assert figures["KL"] == {"kl": [(1, 0.01), (2, 0.02), (3, 0.03)]}
    assert set(figures["reward and margin"]) == {"reward_mean"} and set(figures["accuracy"]) == {"reward_accuracy"}


def test_line_plot_is_a_png_of_the_requested_size():
    from PIL import Image

    image = Image.open(io.BytesIO(plots.line_plot_png("loss", {"loss": [(1, 2.0), (2, 1.0)]})))
    assert image.format == "PNG" and image.size == (576, 306)  # 6.4×3.4 inches at 90 dpi
