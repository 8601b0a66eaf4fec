"""The `distributed:` block: `tuneline validate` catches what cannot work before anything
trains, and the accelerate config written into the run directory is read back by
accelerate's own code (its config-file loader, `accelerate launch`'s argument handling and
environment, and the FSDP / DeepSpeed plugins built from that environment), so a field name
accelerate does not know fails here rather than on a GPU machine."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

from tuneline.cli.main import main
from tuneline.config.distributed import DistributedConfig, accelerate_config
from tuneline.pipeline.distributed import ACCELERATE_FILE, check_distributed, write_launch_files
from tuneline.pipeline.load import load_pipeline


def write_pipeline(folder: Path, model: Path, distributed: str, adapter: str = "{type: lora}") -> Path:
    (folder / "chats.jsonl").write_text(
        '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}\n' * 10)
    pipeline = folder / "pipeline.yaml"
    pipeline.write_text(f"name: sharded\nmodel: {model}\nadapter: {adapter}\ndatasets:\n  chats: {{path: chats.jsonl}}\n"
                        f"stages:\n  - {{type: sft, dataset: chats}}\n{distributed}")
    return pipeline


def launched_environment(config_file: Path) -> tuple[object, dict[str, str]]:
    """What `accelerate launch --config_file FILE train.py` would set for each process."""
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils.launch import prepare_deepspeed_cmd_env, prepare_multi_gpu_env

    args = launch_command_parser().parse_args(["--config_file", str(config_file), "train.py"])
    args, defaults, _ = _validate_launch_command(args)
    if args.use_deepspeed:
        args.deepspeed_fields_from_accelerate_config = ",".join(defaults.deepspeed_config)
        _, env = prepare_deepspeed_cmd_env(args)
    else:
        env = prepare_multi_gpu_env(args)
    return args, {k: v for k, v in env.items() if k.startswith(("ACCELERATE_", "FSDP_"))}


def test_fsdp_block_renders_a_config_accelerate_launches_with_fsdp2(tmp_path, tiny_lm_dir, monkeypatch):
    from accelerate.commands.config.config_args import load_config_from_file
    from accelerate.utils import FullyShardedDataParallelPlugin

    pipeline = write_pipeline(tmp_path, tiny_lm_dir, "distributed:\n  strategy: fsdp\n  processes: 4\n"
                                                     "  fsdp: {sharding_strategy: shard_grad_op, cpu_offload: true}\n")
    config = load_pipeline(pipeline)
    assert check_distributed(config) == []
    path = write_launch_files(config, tmp_path)
    assert path.name == ACCELERATE_FILE
    loaded = load_config_from_file(str(path))  # accelerate's loader refuses keys it does not know
    assert (loaded.distributed_type.value, loaded.num_processes) == ("FSDP", 4)
    args, env = launched_environment(path)
    assert args.use_fsdp and args.num_processes == 4
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    plugin = FullyShardedDataParallelPlugin()  # reads the launched environment, as each process would
    assert plugin.fsdp_version == 2
    assert plugin.transformer_cls_names_to_wrap == ["LlamaDecoderLayer"]  # the tiny llama's decoder layer
    assert plugin.reshard_after_forward is False  # shard_grad_op keeps parameters whole until backward
    assert type(plugin.cpu_offload).__name__ == "CPUOffloadPolicy"
    assert plugin.state_dict_type.name == "FULL_STATE_DICT"


@pytest.mark.parametrize("stage, offload", [(2, "none"), (3, "cpu")])
def test_deepspeed_block_renders_a_zero_config_accelerate_reads(tmp_path, monkeypatch, stage, offload):
    from accelerate.utils import DeepSpeedPlugin

    block = DistributedConfig(strategy="deepspeed", processes=2,
                              deepspeed={"zero_stage": stage, "offload_optimizer": "cpu", "offload_params": offload})
    path = tmp_path / ACCELERATE_FILE
    path.write_text(yaml.safe_dump(accelerate_config(block, [])))
    args, env = launched_environment(path)
    assert args.use_deepspeed and args.num_processes == 2
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    zero = DeepSpeedPlugin().deepspeed_config["zero_optimization"]  # the DeepSpeed JSON accelerate builds
    assert zero["stage"] == stage
    assert zero["offload_optimizer"]["device"] == "cpu"
    assert zero["offload_param"]["device"] == offload
    assert zero.get("stage3_gather_16bit_weights_on_model_save", False) is (stage == 3)


def test_ddp_block_renders_the_torchrun_launcher(tmp_path):
    block = DistributedConfig(processes=2)
    path = tmp_path / ACCELERATE_FILE
    path.write_text(yaml.safe_dump(accelerate_config(block, [])))
    args, _ = launched_environment(path)
    assert args.multi_gpu and not args.cpu and args.num_processes == 2  # --cpu would start one process only


def test_qlora_under_fsdp_without_float_storage_fails_validate_naming_the_field(tmp_path, tiny_lm_dir, capsys):
    pipeline = write_pipeline(tmp_path, tiny_lm_dir, "distributed: {strategy: fsdp, processes: 2}\n",
                              adapter="\n  type: lora\n  load_in_4bit: true")
    assert main(["validate", str(pipeline)]) == 2
    err = capsys.readouterr().err
    assert f"{pipeline}:3 (adapter.bnb_4bit_quant_storage)" in err  # `adapter:` itself: the key is not written
    assert "fix: set adapter.bnb_4bit_quant_storage: float32" in err and "Traceback" not in err


def test_qlora_under_fsdp_with_float_storage_is_valid(tmp_path, tiny_lm_dir, capsys):
    pipeline = write_pipeline(tmp_path, tiny_lm_dir, "distributed: {strategy: fsdp, processes: 2}\n",
                              adapter="{type: lora, load_in_4bit: true, bnb_4bit_quant_storage: float32}")
    assert main(["validate", str(pipeline)]) == 0
    assert "distributed: fsdp, 2 processes" in capsys.readouterr().out


@pytest.mark.skipif(importlib.util.find_spec("deepspeed") is not None, reason="deepspeed is installed here")
def test_deepspeed_missing_is_a_clear_error(tmp_path, tiny_lm_dir, capsys):
    pipeline = write_pipeline(tmp_path, tiny_lm_dir, "distributed:\n  strategy: deepspeed\n")
    assert main(["validate", str(pipeline)]) == 2
    err = capsys.readouterr().err
    assert f"{pipeline}:9 (distributed.strategy)" in err and "deepspeed package, which is not installed" in err


def test_misspelt_fsdp_option_suggests_the_right_one(tmp_path, tiny_lm_dir, capsys):
    pipeline = write_pipeline(tmp_path, tiny_lm_dir, "distributed:\n  strategy: fsdp\n  fsdp:\n    cpu_ofload: true\n")
    assert main(["validate", str(pipeline)]) == 2
    err = capsys.readouterr().err
    assert f"{pipeline}:11" in err and "did you mean 'cpu_offload'" in err


def test_parameter_offload_below_zero3_is_refused(tmp_path, tiny_lm_dir, capsys):
    pipeline = write_pipeline(tmp_path, tiny_lm_dir, "distributed:\n  strategy: deepspeed\n  deepspeed:\n"
                                                     "    zero_stage: 2\n    offload_params: cpu\n")
    assert main(["validate", str(pipeline)]) == 2
    err = capsys.readouterr().err
    assert f"{pipeline}:12 (distributed.deepspeed.offload_params)" in err and "needs ZeRO stage 3" in err
