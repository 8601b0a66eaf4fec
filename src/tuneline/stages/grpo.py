"""GRPO (Shao et al. 2024, arXiv 2402.03300) through TRL's GRPOTrainer, with tuneline's
reward sources, the one chat template, held-out reward and KL before and after, and
per-step logs in the stage's log.jsonl. `rloo` (stages/rloo.py) shares this runner."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from tuneline.config.schema import ReferenceChoice, StageConfig
from tuneline.rl.sources import HeldOutEval, RewardSources
from tuneline.stages.contract import StageContract

CONTRACT = StageContract(
    summary="GRPO: online RL on groups of sampled answers scored by reward functions or a model (TRL)",
    reads="prompt",
    writes="policy",
    continues=("policy",),
    reference=True,
    data_parallel=True,
)


class OnlineConfig(RewardSources, HeldOutEval, ReferenceChoice, StageConfig):
    """Options shared by the TRL-backed online stages."""

    max_steps: int = Field(20, ge=1, description="optimizer steps")
    prompts_per_step: int = Field(2, ge=1, description="prompts per step, per process")
    num_generations: int = Field(4, ge=2, description="completions sampled per prompt (the group)")
    max_new_tokens: int = Field(48, ge=1, description="longest completion sampled")
    temperature: float = Field(1.0, gt=0, description="sampling temperature")
    top_p: float = Field(1.0, gt=0, le=1, description="nucleus sampling")
    learning_rate: float = Field(1e-4, gt=0, description="learning rate")
    beta: float = Field(0.04, ge=0, description="KL coefficient against the reference (see `reference`)")
    num_iterations: int = Field(1, ge=1, description="updates per generated batch (μ in the GRPO paper)")
    epsilon: float = Field(0.2, gt=0, description="clip range of the policy ratio")
    logging_steps: int = Field(1, ge=1, description="log every N steps")
    save_steps: int = Field(10, ge=1, description="checkpoint every N steps")


class Config(OnlineConfig):
    type: Literal["grpo"] = "grpo"
    scale_rewards: Literal["group", "batch", "none"] = Field(
        "group", description="divide advantages by the std of the group, of the batch, or not at all")


def trl_reward_function(reward) -> Any:
    """Our reward source in TRL's calling convention: f(prompts, completions, **columns)."""

    def reward_function(prompts, completions, **_: Any) -> list[float]:
        texts = [c[-1]["content"] if isinstance(c, list) else c for c in completions]
        return reward(prompts, texts)

    reward_function.__name__ = "reward"
    return reward_function


def online_reference(ctx, config: OnlineConfig, trainer):
    """The reference TRL's trainer holds, made the one `reference:` asks for.

    TRL keeps it itself: for a PEFT policy a frozen copy of the adapter named "ref", made
    in the trainer's __init__ (the entering policy); for full fine-tuning a frozen model
    loaded from the policy's own folder (the entering weights). `reference: base` on a
    PEFT policy removes that copy, so TRL switches the adapters off instead.
    """
    from tuneline.errors import ConfigError
    from tuneline.models.reference import REFERENCE_ADAPTER, Reference, add_reference_adapter

    model = trainer.model
    previous = ctx.previous_artifact()
    entering = f"stage '{ctx.stage.from_}'" if previous is not None else "the base model"
    if config.reference == "base" and previous is not None and (previous.kind == "model" or
                                                              not hasattr(model, "peft_config")):
        raise ConfigError(f"reference: base is not available to {config.type} after a full fine-tuning stage",
                          where=f"stages.{ctx.stage.name}.reference", fix="use reference: entering")
    if not hasattr(model, "peft_config"):
        if trainer.ref_model is None:  # β = 0: TRL keeps none; held-out KL is measured against a copy
            return ctx.reference_for(model, "entering")
        return Reference(f"{entering} (frozen copy)", frozen_model=trainer.ref_model)
    if config.reference == "base":
        if REFERENCE_ADAPTER in model.peft_config:
            model.delete_adapter(REFERENCE_ADAPTER)
        return Reference("the base model (adapters off)", adapters_off=True)
    if REFERENCE_ADAPTER not in model.peft_config:  # β = 0: TRL made none
        add_reference_adapter(model)
    copied = "its adapter" if previous is not None else "the fresh adapter"
    return Reference(f"{entering} (frozen copy of {copied})", adapter=REFERENCE_ADAPTER)


def _log_callback(ctx):
    from transformers import TrainerCallback

    class StageLog(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and state.is_world_process_zero:
                ctx.log.write(step=state.global_step, **{k: v for k, v in logs.items() if isinstance(v, (int, float))})

    return StageLog()


def run_online(ctx, config: OnlineConfig, method: str, extra: dict[str, Any]) -> dict:
    import time

    import torch
    from datasets import Dataset

    from tuneline.progress import info
    from tuneline.rl.ppo_eval import evaluate_policy
    from tuneline.rl.sources import build_reward, held_out_prompts
    from tuneline.stages.common import finish_training, save_artifact

    if method == "grpo":
        from trl import GRPOConfig as TrainerConfig
        from trl import GRPOTrainer as Trainer
    else:
        from trl import RLOOConfig as TrainerConfig
        from trl import RLOOTrainer as Trainer

    splits = ctx.dataset("prompt")
    reward = build_reward(ctx, config)
    policy, tokenizer = ctx.load_policy(trainable=True)
    held_out = held_out_prompts(splits, config)

    trainer_dir = ctx.checkpoint_dir
    args = TrainerConfig(
        output_dir=str(trainer_dir), use_cpu=not torch.cuda.is_available(), bf16=False,
        gradient_checkpointing=False, report_to="none", seed=ctx.seed, max_steps=config.max_steps,
        per_device_train_batch_size=config.prompts_per_step * config.num_generations,
        num_generations=config.num_generations, max_completion_length=config.max_new_tokens,
        temperature=config.temperature, top_p=config.top_p, learning_rate=config.learning_rate, beta=config.beta,
        num_iterations=config.num_iterations, epsilon=config.epsilon, logging_steps=config.logging_steps,
        save_steps=config.save_steps, save_total_limit=1, lr_scheduler_type="constant", **extra)
    dataset = Dataset.from_list([{"prompt": p.messages} for p in splits.train])
    trainer = Trainer(model=policy, reward_funcs=[trl_reward_function(reward)], args=args, train_dataset=dataset,
                      processing_class=tokenizer, callbacks=[_log_callback(ctx)])
    reference = online_reference(ctx, config, trainer)
    info(f"reference: {reference.description}")

    def evaluate() -> dict[str, float]:
        return evaluate_policy(trainer.model, tokenizer, held_out, reward, reference, None, ctx.seed,
                               config.max_new_tokens, config.temperature, config.top_p,
                               config.prompts_per_step * config.num_generations)

    before = evaluate() if held_out else {}
    if before:
        info(f"before {method.upper()}: held-out reward {before['reward_mean']:.3f}, KL {before['kl']:.3f}")
    resume = ctx.resume and any(trainer_dir.glob("checkpoint-*"))
    started = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=True if resume else None)
    runtime = time.perf_counter() - started
    policy = trainer.model
    after = evaluate() if held_out else {}
    save_artifact(policy, tokenizer, ctx.stage_dir)
    finish_training(ctx.stage_dir)
    if after:
        info(f"{method.upper()}: held-out reward {before['reward_mean']:.3f} → {after['reward_mean']:.3f}, "
             f"KL {before['kl']:.3f} → {after['kl']:.3f}")
    return {"steps": result.global_step, "reference": reference.description, "train_loss": result.training_loss,
            "train_runtime_s": round(runtime, 1),
            **{f"eval_{k}_before": v for k, v in before.items()}, **{f"eval_{k}": v for k, v in after.items()}}


def run(ctx, config: Config) -> dict:
    return run_online(ctx, config, "grpo", {"scale_rewards": config.scale_rewards})
