"""GRPO (Shao et al. 2024, arXiv 2402.03300) through TRL's GRPOTrainer, with tuneline's
reward sources, the one chat template, held-out reward and KL before and after, and
per-step logs in the stage's log.jsonl. `rloo` (stages/rloo.py) shares this runner."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from tuneline.config.schema import BudgetOption, GenerationBackendChoice, ReferenceChoice, StageConfig
from tuneline.rl.monitors import MonitorOptions
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


class OnlineConfig(RewardSources, HeldOutEval, ReferenceChoice, GenerationBackendChoice, BudgetOption, MonitorOptions,
                   StageConfig):
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


def trl_reward_function(reward, accounting=None) -> Any:
    """Our reward source in TRL's calling convention: f(prompts, completions, **columns);
    `accounting` (see _accounting) sees every batch of rollouts and their rewards."""

    def reward_function(prompts, completions, completion_ids=None, **_: Any) -> list[float]:
        texts = [c[-1]["content"] if isinstance(c, list) else c for c in completions]
        rewards = reward(prompts, texts)
        if accounting is not None and completion_ids is not None:
            accounting.rollouts(prompts, completion_ids, rewards)
        return rewards

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


def _accounting(ctx, config: OnlineConfig, tokenizer, reward):
    """A TRL callback keeping the stage's FLOPs ledger, budget and monitors: the reward
    function reports each batch of rollouts; each optimizer step is charged, logged with the
    ledger and text statistics, and checked against the budget (TRL then saves and stops)."""
    import statistics

    from transformers import TrainerCallback

    from tuneline.data.chat import tokenize_prompt
    from tuneline.io import atomic_write_json
    from tuneline.rl.monitors import Monitor, completion_stats
    from tuneline.rl.rewards import reward_flops
    from tuneline.runtime import process_rank
    from tuneline.train.budget import BudgetWatch
    from tuneline.train.flops import ledger_for

    state_file = ctx.stage_dir / "compute.json"

    class Accounting(TrainerCallback):
        def __init__(self) -> None:
            self.costs = None  # rl.costs.OnlineCosts, set once the trainer holds its models
            self.watch = BudgetWatch.of(config.budget,
                                        ledger_for(ctx, also=(config.reward_model,) if config.reward_model else ()))
            self.monitor = Monitor(config.monitors, ctx.stage.name)
            self.pending: dict[str, float] = {}
            self.stopped_by: str | None = None
            self._scored = reward_flops(reward)
            if ctx.resume and state_file.exists():
                import json

                saved = json.loads(state_file.read_text())
                self.watch.load_state_dict(saved["compute"])
                self.monitor.history = saved["monitor_history"]

        def rollouts(self, prompts, completion_ids, rewards) -> None:
            prompt_lengths = [len(tokenize_prompt(tokenizer, p)) if isinstance(p, list)
                              else len(tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
            self.costs.add_rollouts(self.watch.ledger, prompt_lengths, [len(ids) for ids in completion_ids],
                                    process_rank()[1])
            scored = reward_flops(reward)
            if scored > self._scored:
                self.watch.ledger.add("reward", (scored - self._scored) * process_rank()[1])
            self._scored = scored
            self.pending = {"reward_mean": statistics.fmean(rewards),
                            "reward_std": statistics.pstdev(rewards) if len(rewards) > 1 else 0.0,
                            **completion_stats(completion_ids)}

        def on_step_end(self, args, state, control, **kwargs):
            self.watch.step_done()
            reason = self.watch.exhausted() if state.global_step < state.max_steps else None
            if reason:
                self.stopped_by = reason
                control.should_training_stop = True
                control.should_save = True
                control.should_log = True

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs is None or "loss" not in logs and "reward" not in logs:
                return
            extra = {k: logs[k] for k in ("kl", "entropy") if isinstance(logs.get(k), (int, float))}
            if self.pending:
                self.monitor.record(**self.pending, **extra)
            logs.update({k: self.pending[k] for k in ("distinct_2", "repetition_3") if k in self.pending})
            logs.update(self.watch.ledger.metrics())

        def on_save(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                atomic_write_json(state_file, {"compute": self.watch.state_dict(),
                                               "monitor_history": self.monitor.history})

    return Accounting()


def online_costs(ctx, config: OnlineConfig, trainer, reference, method: str):
    from tuneline.rl.costs import OnlineCosts, reference_shape
    from tuneline.train.flops import ModelShape

    policy = ModelShape.of(trainer.model)
    return OnlineCosts(policy=policy, sampler=policy,
                       reference=reference_shape(reference, policy) if config.beta > 0 else None,
                       training_passes=config.num_iterations, full_finetune=ctx.pipeline.adapter.type == "full",
                       score_with_policy=config.num_iterations > 1)


def run_online(ctx, config: OnlineConfig, method: str, extra: dict[str, Any]) -> dict:
    import time

    import torch
    from datasets import Dataset

    from tuneline.progress import info
    from tuneline.rl.ppo_eval import evaluate_policy
    from tuneline.rl.sources import build_reward, held_out_prompts, with_judge
    from tuneline.runtime import generation_backend
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
    judged = with_judge(ctx, reward, config.monitors.judge)
    accounting = _accounting(ctx, config, tokenizer, reward)

    if generation_backend(config.generation_backend) == "vllm":
        # TRL's colocated vLLM: in this process, the policy's weights loaded into it before each generation
        extra = {**extra, "use_vllm": True, "vllm_mode": "colocate", "vllm_gpu_memory_utilization": 0.3}
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
    trainer = Trainer(model=policy, reward_funcs=[trl_reward_function(reward, accounting)], args=args,
                      train_dataset=dataset, processing_class=tokenizer, callbacks=[accounting, _log_callback(ctx)])
    reference = online_reference(ctx, config, trainer)
    accounting.costs = online_costs(ctx, config, trainer, reference, method)
    info(f"reference: {reference.description}")

    def evaluate() -> dict[str, float]:
        return evaluate_policy(trainer.model, tokenizer, held_out, judged, reference, None, ctx.seed,
                               config.max_new_tokens, config.temperature, config.top_p,
                               config.prompts_per_step * config.num_generations)

    before = evaluate() if held_out else {}
    judge_before = judged.take_mean() if judged is not reward else None
    if before:
        info(f"before {method.upper()}: held-out reward {before['reward_mean']:.3f}, KL {before['kl']:.3f}")
    resume = ctx.resume and any(trainer_dir.glob("checkpoint-*"))
    started = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=True if resume else None)
    runtime = time.perf_counter() - started
    policy = trainer.model
    after = evaluate() if held_out else {}
    judge_after = judged.take_mean() if judged is not reward else None
    save_artifact(policy, tokenizer, ctx.stage_dir)
    finish_training(ctx.stage_dir)
    if after:
        info(f"{method.upper()}: held-out reward {before['reward_mean']:.3f} → {after['reward_mean']:.3f}, "
             f"KL {before['kl']:.3f} → {after['kl']:.3f}")
    return {"steps": result.global_step, "reference": reference.description, "train_loss": result.training_loss,
            "train_runtime_s": round(runtime, 1), **accounting.watch.metrics(),
            **accounting.monitor.finish(judge_before, judge_after),
            **({"stopped_by_budget": accounting.stopped_by} if accounting.stopped_by else {}),
            **{f"eval_{k}_before": v for k, v in before.items()}, **{f"eval_{k}": v for k, v in after.items()}}


def run(ctx, config: Config) -> dict:
    return run_online(ctx, config, "grpo", {"scale_rewards": config.scale_rewards})
