"""Launched by test_ddp.py under `torchrun --nproc_per_node 2`: runs the PPO stage of a
pipeline into a shared run directory; each process writes the metrics it returned
(including the digest of the trainable weights it holds in memory)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch


def main(pipeline_path: str, run_dir: str) -> None:
    import torch.distributed as dist

    from tuneline.pipeline.context import StageContext
    from tuneline.pipeline.load import load_pipeline
    from tuneline.stages import stage_module

    torch.set_num_threads(1)
    config = load_pipeline(pipeline_path)
    stage = config.stages[0]
    context = StageContext(pipeline=config, stage=stage, run_dir=Path(run_dir))
    context.stage_dir.mkdir(parents=True, exist_ok=True)
    metrics = stage_module(stage.type).run(context, stage)
    (Path(run_dir) / f"rank{dist.get_rank()}.json").write_text(json.dumps(metrics))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
