"""The `forgetting` eval suite: what fine-tuning cost the model on data it was not tuned
for. Each target's held-out loss on general instruction data, and its rise over the base
model's (the alignment tax, in nats per token): loss_rise = L_target − L_base. Mixing
general data into the training set (`mix:`) is meant to shrink it; lm-eval tasks from
local files (the `lm-eval` suite with `lm_eval.include_path`) add benchmark scores beside it.
"""

from __future__ import annotations

from typing import Any


def add_loss_rise(targets: dict[str, dict[str, Any]], base: str | None) -> None:
    """Add loss_rise (and its share of the base loss) to every target's `forgetting` entry."""
    if base is None or "forgetting" not in targets.get(base, {}):
        return
    base_loss = targets[base]["forgetting"]["general_loss"]
    for suites in targets.values():
        entry = suites.get("forgetting")
        if entry is not None:
            entry["loss_rise"] = entry["general_loss"] - base_loss
            entry["loss_rise_share"] = entry["loss_rise"] / base_loss if base_loss else float("nan")
