"""Launched by test_data_parallel.py under `torchrun --nproc_per_node 2`: runs every stage
of a pipeline, in order, into a shared run directory over a gloo process group; each
process writes the metrics each stage returned (with the digest of the weights it holds)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch


def main(pipeline_path: str, run_dir: str) -> None:
    import torch.distributed as dist

    from tuneline.config.load import load_pipeline
    from tuneline.pipeline.context import StageContext
    from tuneline.stages import stage_module

    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    config = load_pipeline(pipeline_path)
    for stage in config.stages:
        context = StageContext(pipeline=config, stage=stage, run_dir=Path(run_dir))
        context.stage_dir.mkdir(parents=True, exist_ok=True)
        metrics = stage_module(stage.type).run(context, stage)
        (Path(run_dir) / f"rank{dist.get_rank()}-{stage.name}.json").write_text(json.dumps(metrics))
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
