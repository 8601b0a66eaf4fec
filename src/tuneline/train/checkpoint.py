"""Resumable checkpoints: trainable weights, optimizer, scheduler, RNG and data position.

A checkpoint folder is written under a temporary name and renamed when complete, so a
kill at any moment leaves either the previous checkpoint or the new one, never half.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any


def trainable_state(model) -> dict[str, Any]:
    return {name: p.detach().cpu().clone() for name, p in model.named_parameters() if p.requires_grad}


def trainable_digest(model) -> str:
    """SHA-256 of the trainable weights this process holds: equal across data-parallel ranks."""
    import hashlib

    digest = hashlib.sha256()
    for name, parameter in sorted(model.named_parameters()):
        if parameter.requires_grad:
            digest.update(name.encode())
            digest.update(parameter.detach().float().cpu().numpy().tobytes())
    return digest.hexdigest()


def save_checkpoint(directory: Path, step: int, model, optimizer, scheduler, progress: dict[str, Any], keep: int) -> Path:
    return _write_checkpoint(directory, step, trainable_state(model), {"optimizer": optimizer.state_dict()},
                             scheduler, progress, keep)


def save_sharded_checkpoint(directory: Path, step: int, model, optimizer, scheduler, progress: dict[str, Any],
                            keep: int) -> None:
    """A checkpoint of an FSDP-sharded model, in the same folder layout: every process takes part
    in gathering the trainable weights and the optimizer state whole (PyTorch's distributed
    state-dict API, keyed by parameter name), and the first process writes them."""
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_state_dict

    from tuneline.runtime import barrier, process_rank

    options = StateDictOptions(full_state_dict=True, cpu_offload=True, ignore_frozen_params=True)
    weights, optimizer_state = get_state_dict(model, optimizer, options=options)
    if process_rank()[0] == 0:
        _write_checkpoint(directory, step, weights, {"optimizer_by_name": optimizer_state}, scheduler, progress, keep)
    barrier()


def _write_checkpoint(directory: Path, step: int, weights: dict[str, Any], optimizer_state: dict[str, Any], scheduler,
                      progress: dict[str, Any], keep: int) -> Path:
    import random

    import numpy as np
    import torch

    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"step-{step:07d}"
    staging = directory / f".step-{step:07d}.tmp"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    torch.save(weights, staging / "trainable.pt")
    torch.save({**optimizer_state, "scheduler": scheduler.state_dict()}, staging / "optimizer.pt")
    torch.save({"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state()},
               staging / "rng.pt")
    (staging / "progress.json").write_text(json.dumps({**progress, "step": step}))
    if final.exists():
        shutil.rmtree(final)
    os.replace(staging, final)
    for old in sorted(directory.glob("step-*"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(directory: Path) -> Path | None:
    found = sorted(p for p in directory.glob("step-*") if (p / "progress.json").exists())
    return found[-1] if found else None


def load_checkpoint(path: Path, model, optimizer, scheduler, sharded: bool = False) -> dict[str, Any]:
    """Restore a checkpoint into `model` (plain, or FSDP-sharded: every process reads the whole
    state and keeps its shards) and its optimizer, scheduler and random generators."""
    import random

    import torch

    from tuneline.errors import UserError

    state = torch.load(path / "trainable.pt", map_location="cpu")
    opt = torch.load(path / "optimizer.pt", map_location="cpu", weights_only=False)
    if sharded != ("optimizer_by_name" in opt):
        written, now = ("with", "without") if "optimizer_by_name" in opt else ("without", "with")
        raise UserError(f"{path} was written {written} FSDP and this run trains {now} it",
                        fix="resume with the pipeline's distributed: block and --nproc as they were")
    if sharded:
        from torch.distributed.checkpoint.state_dict import StateDictOptions, set_state_dict

        set_state_dict(model, optimizer, model_state_dict=state, optim_state_dict=opt["optimizer_by_name"],
                       options=StateDictOptions(full_state_dict=True, strict=False))
    else:
        params = dict(model.named_parameters())
        with torch.no_grad():
            for name, value in state.items():
                params[name].copy_(value)
        optimizer.load_state_dict(opt["optimizer"])
    scheduler.load_state_dict(opt["scheduler"])
    rng = torch.load(path / "rng.pt", weights_only=False)
    torch.set_rng_state(rng["torch"])
    random.setstate(rng["python"])
    import numpy as np

    np.random.set_state(rng["numpy"])
    return json.loads((path / "progress.json").read_text())
