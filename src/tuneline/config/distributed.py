"""The `distributed:` block of a pipeline file: how several processes share the training.

`ddp` keeps a full copy of the model in every process and sums gradients (what
`tuneline run --nproc N` does today); `fsdp` shards parameters, gradients and optimizer
state over the processes (PyTorch FSDP2, `fully_shard`); `deepspeed` uses ZeRO stage 1, 2
or 3. The block is rendered into an accelerate config file in the run directory
(`accelerate_config.yaml`), with the field names of the accelerate version pinned in
constraints.txt, so that `accelerate launch --config_file` starts the same processes.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FsdpOptions(_Strict):
    """FSDP2 (torch.distributed.fsdp.fully_shard) as accelerate configures it."""

    sharding_strategy: Literal["full_shard", "shard_grad_op"] = Field(
        "full_shard", description="full_shard: parameters are re-sharded after each layer's forward (least memory); "
                                  "shard_grad_op: kept whole from forward to backward (less communication)")
    cpu_offload: bool = Field(False, description="keep sharded parameters and optimizer state in CPU memory")
    wrap_layers: list[str] | Literal["auto"] = Field(
        "auto", description="module classes that become one FSDP unit each; auto: the model's decoder layer "
                            "class (transformers' _no_split_modules, e.g. LlamaDecoderLayer)")
    state_dict_type: Literal["full", "sharded"] = Field(
        "full", description="accelerate's checkpoint format: one full state dict on the first process, or a shard "
                            "per process (tuneline's own loop gathers the full weights at the end either way)")


class DeepSpeedOptions(_Strict):
    """DeepSpeed ZeRO as accelerate configures it."""

    zero_stage: Literal[1, 2, 3] = Field(2, description="1: shard optimizer state; 2: and gradients; 3: and parameters")
    offload_optimizer: Literal["none", "cpu", "nvme"] = Field("none", description="where optimizer state lives")
    offload_params: Literal["none", "cpu", "nvme"] = Field("none", description="where parameters live (ZeRO-3 only)")
    zero3_init: bool = Field(True, description="ZeRO-3: create the model already partitioned (large models fit)")


class DistributedConfig(_Strict):
    """How the processes of a multi-process run share the work."""

    strategy: Literal["ddp", "fsdp", "deepspeed"] = Field(
        "ddp", description="ddp: a full model per process; fsdp: sharded (FSDP2); deepspeed: ZeRO")
    processes: int = Field(1, ge=1, description="processes on this machine (one per GPU) for the rendered "
                                                "accelerate config; `tuneline run --nproc N` overrides it")
    mixed_precision: Literal["no", "bf16", "fp16"] = Field(
        "no", description="accelerate's mixed precision for the processes it launches (stages still follow "
                          "their own `precision`)")
    fsdp: FsdpOptions = Field(default_factory=FsdpOptions, description="options of strategy: fsdp")
    deepspeed: DeepSpeedOptions = Field(default_factory=DeepSpeedOptions, description="options of strategy: deepspeed")


def accelerate_config(config: DistributedConfig, wrap_layers: list[str]) -> dict[str, Any]:
    """The accelerate config (the content of `accelerate launch --config_file`), for
    accelerate 1.15's ClusterConfig; `wrap_layers` are the FSDP unit classes resolved for the model."""
    rendered: dict[str, Any] = {"compute_environment": "LOCAL_MACHINE", "machine_rank": 0, "num_machines": 1,
                                "num_processes": config.processes, "rdzv_backend": "static", "same_network": True,
                                "main_training_function": "main", "use_cpu": False, "debug": False}
    if config.strategy == "ddp":
        # MULTI_GPU is accelerate's torchrun launcher; on a machine without GPUs it runs over gloo
        # (`--cpu` with several processes starts only one).
        rendered.update(distributed_type="MULTI_GPU" if config.processes > 1 else "NO",
                        mixed_precision=config.mixed_precision)
    elif config.strategy == "fsdp":
        fsdp = config.fsdp
        rendered.update(distributed_type="FSDP", mixed_precision=config.mixed_precision, fsdp_config={
            "fsdp_version": 2,
            "fsdp_reshard_after_forward": fsdp.sharding_strategy == "full_shard",
            "fsdp_offload_params": fsdp.cpu_offload,
            "fsdp_auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
            "fsdp_transformer_layer_cls_to_wrap": ",".join(wrap_layers),
            "fsdp_state_dict_type": {"full": "FULL_STATE_DICT", "sharded": "SHARDED_STATE_DICT"}[fsdp.state_dict_type],
            "fsdp_cpu_ram_efficient_loading": True,
            "fsdp_activation_checkpointing": False})
    else:
        ds = config.deepspeed
        section: dict[str, Any] = {"zero_stage": ds.zero_stage, "offload_optimizer_device": ds.offload_optimizer,
                                   "offload_param_device": ds.offload_params if ds.zero_stage == 3 else "none",
                                   "zero3_init_flag": ds.zero_stage == 3 and ds.zero3_init}
        if ds.zero_stage == 3:
            section["zero3_save_16bit_model"] = True  # a whole model at the end, not only partitions
        rendered.update(distributed_type="DEEPSPEED", mixed_precision=config.mixed_precision,
                        deepspeed_config=section)
    return rendered
