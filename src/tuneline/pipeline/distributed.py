"""The pipeline's `distributed:` block at run time: checked by `tuneline validate` (and by
`tuneline run` before anything loads), and rendered into `accelerate_config.yaml` in the
run directory, for `accelerate launch --config_file` (docs/distributed.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from tuneline.config.distributed import accelerate_config
from tuneline.config.files import line_of, load_yaml_with_lines
from tuneline.config.schema import PipelineConfig
from tuneline.errors import ConfigError
from tuneline.io import atomic_write_text

ACCELERATE_FILE = "accelerate_config.yaml"
FLOAT_DTYPES = ("float32", "bfloat16", "float16")


def _where(config: PipelineConfig, *location: str | int) -> str:
    """file:line (dotted.field) of a key of the pipeline file, as far as it is written there."""
    source = config.__dict__.get("source_path")
    dotted = ".".join(str(part) for part in location)
    if not source or not Path(source).exists():
        return dotted
    _, lines = load_yaml_with_lines(Path(source))
    line = line_of(lines, location)
    return f"{source}:{line} ({dotted})" if line else f"{source} ({dotted})"


def check_distributed(config: PipelineConfig) -> list[str]:
    """Raise a ConfigError for a `distributed:` block that cannot work; return notes on
    what it will do. Runs before any model is loaded."""
    check_generation_backends(config)
    distributed, adapter = config.distributed, config.adapter
    notes: list[str] = []
    shards_params = distributed.strategy == "fsdp" or (
        distributed.strategy == "deepspeed" and distributed.deepspeed.zero_stage == 3)
    if adapter.load_in_4bit and shards_params:
        wanted = config.model.dtype if config.model.dtype in FLOAT_DTYPES else "bfloat16"
        if adapter.bnb_4bit_quant_storage not in FLOAT_DTYPES:
            sharder = "FSDP" if distributed.strategy == "fsdp" else "ZeRO-3"
            raise ConfigError(
                f"QLoRA under {sharder} needs the 4-bit weights stored in a float dtype (got "
                f"'{adapter.bnb_4bit_quant_storage}'): {sharder} shards them together with the model's float weights",
                where=_where(config, "adapter", "bnb_4bit_quant_storage"),
                fix=f"set adapter.bnb_4bit_quant_storage: {wanted} (the model's dtype)")
    if distributed.strategy == "deepspeed":
        ds = distributed.deepspeed
        if ds.offload_params != "none" and ds.zero_stage != 3:
            raise ConfigError(f"offload_params: {ds.offload_params} needs ZeRO stage 3 (parameters are sharded only "
                              f"there; got zero_stage: {ds.zero_stage})",
                              where=_where(config, "distributed", "deepspeed", "offload_params"),
                              fix="set zero_stage: 3, or offload_params: none")
        if ds.zero_stage == 3 and adapter.type == "lora":
            notes.append("ZeRO-3 with LoRA: the frozen base is partitioned too (that is where the memory goes); the "
                         "adapter is gathered whole when it is saved (zero3_save_16bit_model)")
        if importlib.util.find_spec("deepspeed") is None:
            raise ConfigError("distributed.strategy: deepspeed needs the deepspeed package, which is not installed",
                              where=_where(config, "distributed", "strategy"),
                              fix="pip install deepspeed on the GPU machine, or use strategy: fsdp (in PyTorch)")
    return notes


def check_generation_backends(config: PipelineConfig) -> None:
    """A stage that asks for vLLM where it cannot run fails at validate, naming its line."""
    from tuneline.runtime import generation_backend

    for index, stage in enumerate(config.stages):
        if getattr(stage, "generation_backend", "auto") != "vllm":
            continue
        where = _where(config, "stages", index, "generation_backend")
        if stage.type == "ppo" and config.adapter.type != "lora":
            raise ConfigError("PPO samples with vLLM only for a LoRA policy (the adapter is synced each step)",
                              where=where, fix="use adapter.type: lora, or generation_backend: auto")
        try:
            generation_backend("vllm")
        except ConfigError as error:
            raise ConfigError(error.message, where=where, fix=error.fix) from None


def wrap_layer_classes(config: PipelineConfig) -> list[str]:
    """The FSDP units: as listed in the file, or the model's decoder layer class."""
    wrap = config.distributed.fsdp.wrap_layers
    if wrap != "auto":
        return list(wrap)
    from tuneline.models.architecture import decoder_layer_classes

    return decoder_layer_classes(config.model.ref, config.model.trust_remote_code)


def write_launch_files(config: PipelineConfig, run_dir: Path) -> Path:
    """Write accelerate_config.yaml for the pipeline's `distributed:` block into the run directory."""
    layers = wrap_layer_classes(config) if config.distributed.strategy == "fsdp" else []
    rendered = accelerate_config(config.distributed, layers)
    path = Path(run_dir) / ACCELERATE_FILE
    atomic_write_text(path, yaml.safe_dump(rendered, sort_keys=False))
    return path
