"""PPO against a reward (model, function or both), with a per-token KL penalty to the
reference policy (the policy as it enters the stage, e.g. the SFT model; see
tuneline.models.reference): Ziegler et al. 2019
(arXiv 1909.08593) with the PPO details of Schulman et al. 2017 (arXiv 1707.06347).

Each step: sample completions for a batch of prompts → score them (reward, −β·KL per
token, value estimates) → GAE advantages, whitened → several epochs of clipped policy and
value updates over minibatches → adapt β. The math lives in tuneline.rl, one small
function per equation. Written on `accelerate`: `accelerate launch` / `torchrun` run it
data-parallel, each process on its own prompts, gradients averaged by DDP.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tuneline.config.schema import BudgetOption, GenerationBackendChoice, ReferenceChoice, StageConfig
from tuneline.rl.monitors import MonitorOptions
from tuneline.rl.sources import HeldOutEval, RewardSources
from tuneline.stages.contract import StageContract

CONTRACT = StageContract(
    summary="PPO against a reward model or function, with a KL penalty to the starting policy",
    reads="prompt",
    writes="policy",
    continues=("policy",),
    reference=True,
    data_parallel=True,
)


class Config(RewardSources, HeldOutEval, ReferenceChoice, GenerationBackendChoice, BudgetOption, MonitorOptions,
             StageConfig):
    type: Literal["ppo"] = "ppo"
    max_steps: int = Field(20, ge=1, description="PPO steps; each samples one rollout batch and updates on it")
    rollout_batch_size: int = Field(8, ge=1, description="prompts sampled per step, per process")
    minibatch_size: int = Field(4, ge=1, description="completions per gradient step within a rollout batch")
    ppo_epochs: int = Field(2, ge=1, description="passes over each rollout batch")
    max_new_tokens: int = Field(48, ge=1, description="longest completion sampled")
    temperature: float = Field(1.0, gt=0, description="sampling temperature of rollouts (log-probs use the same)")
    top_p: float = Field(1.0, gt=0, le=1, description="nucleus sampling of rollouts")
    learning_rate: float = Field(1e-4, gt=0, description="AdamW learning rate (constant)")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay")
    max_grad_norm: float = Field(1.0, gt=0, description="gradient clipping norm")
    gamma: float = Field(1.0, ge=0, le=1, description="discount of GAE")
    lam: float = Field(0.95, ge=0, le=1, description="λ of GAE: bias/variance trade-off of advantages")
    clip_range: float = Field(0.2, gt=0, description="ε of the clipped policy ratio")
    value_clip_range: float = Field(0.2, gt=0, description="how far a value prediction may move per update")
    value_loss_coef: float = Field(0.1, ge=0, description="weight of the value loss beside the policy loss")
    value_model: Literal["shared", "head", "separate"] = Field(
        "shared", description="shared: value head on the policy's backbone, trained through it; head: on the "
                              "policy's hidden states, detached (value learning never moves the policy, no extra "
                              "compute); separate: on a critic copy of the base with its own adapter")
    kl_penalty: Literal["reward", "loss"] = Field(
        "reward", description="reward: −β·(log π − log π_ref) on each sampled token's reward (Ziegler et al.); "
                              "loss: β·exact KL(π‖π_ref) over the vocabulary at each token, added to the loss")
    kl_controller: Literal["adaptive", "fixed"] = Field("adaptive", description="how β, the KL coefficient, evolves")
    kl_coef: float = Field(0.05, ge=0, description="initial β of the per-token KL penalty")
    kl_target: float = Field(4.0, gt=0, description="adaptive controller: target KL per completion (nats)")
    kl_horizon: int = Field(10000, ge=1, description="adaptive controller: completions over which β moves by ~e^0.2")
    kl_limit: float | None = Field(
        None, gt=0, description="hard bound (nats per completion): a minibatch whose KL to the reference is past it "
                                "takes one step back toward the reference and ends the step's PPO epochs")
    whiten_advantages: bool = Field(True, description="normalise advantages to mean 0, std 1 per batch")
    normalize_rewards: bool = Field(True, description="scale scores by a running mean and std")
    missing_eos_penalty: float = Field(1.0, ge=0, description="subtracted from the score of a completion without EOS")
    merged_rollouts: bool = Field(
        True, description="sample rollouts from a merged copy of the LoRA policy (~1.5x faster generation on a CPU, "
                          "one more copy of the weights in memory); log-probs still come from the policy")
    precision: Literal["fp32", "bf16"] = Field(
        "fp32", description="bf16 autocast of forward passes: for GPUs; on a CPU its backward measured ~40x slower")
    logging_steps: int = Field(1, ge=1, description="log every N steps")
    sample_every: int = Field(5, ge=1, description="log a few sample completions every N steps")
    save_steps: int = Field(5, ge=1, description="write a resumable checkpoint every N steps")
    save_total_limit: int = Field(2, ge=1, description="checkpoints kept")


def load_models(ctx, config: Config):
    """(PolicyWithValue, tokenizer, Reference)."""
    from tuneline.models.load import lora_config
    from tuneline.rl.value_head import PolicyWithValue

    policy, tokenizer = ctx.load_policy(trainable=True)
    reference = ctx.reference_for(policy, config.reference)
    critic = None
    if config.value_model == "separate":
        from peft import get_peft_model
        from transformers import AutoModel

        from tuneline.models.registry import resolve_model_path

        critic = AutoModel.from_pretrained(resolve_model_path(ctx.pipeline.model.ref))
        critic = get_peft_model(critic, lora_config(ctx.pipeline.adapter, task_type="FEATURE_EXTRACTION", model=critic))
    hidden_size = policy.config.hidden_size if not hasattr(policy, "get_base_model") else \
        policy.get_base_model().config.hidden_size
    return (PolicyWithValue(policy, hidden_size, critic, detach_features=config.value_model == "head"), tokenizer,
            reference)


def prompt_order(count: int, step: int, per_step: int, seed: int) -> list[int]:
    """Indices of the prompts of global step `step`: a seeded permutation per pass over the data."""
    import random

    passes = {}
    indices = []
    for position in range(step * per_step, (step + 1) * per_step):
        epoch, offset = divmod(position, count)
        if epoch not in passes:
            order = list(range(count))
            random.Random(seed + epoch).shuffle(order)
            passes[epoch] = order
        indices.append(passes[epoch][offset])
    return indices


def run(ctx, config: Config) -> dict:
    import time

    import torch
    from accelerate import Accelerator
    from accelerate.utils import set_seed

    from tuneline.progress import bar, info
    from tuneline.rl.costs import OnlineCosts, reference_shape
    from tuneline.rl.experience import build_experience, score_rollouts
    from tuneline.rl.kl import AdaptiveKLController, FixedKLController
    from tuneline.rl.merged import rollout_sampler
    from tuneline.rl.monitors import Monitor, completion_stats
    from tuneline.rl.ppo_eval import evaluate_policy, log_samples
    from tuneline.rl.ppo_update import ppo_update
    from tuneline.rl.rewards import check_rewards, reward_flops
    from tuneline.rl.rollout import generate_rollouts
    from tuneline.rl.sources import build_reward, held_out_prompts, with_judge
    from tuneline.rl.stats import RunningMoments
    from tuneline.runtime import StopRequest, generation_backend
    from tuneline.stages.common import finish_training, save_artifact
    from tuneline.train.budget import BudgetWatch
    from tuneline.train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint, trainable_digest
    from tuneline.train.flops import ModelShape, ledger_for

    accelerator = Accelerator(cpu=not torch.cuda.is_available())
    rank, world = accelerator.process_index, accelerator.num_processes
    set_seed(ctx.seed)  # identical initial adapter and value head on every process
    splits = ctx.dataset("prompt")
    if not splits.train:
        from tuneline.errors import DataError

        raise DataError("the prompt dataset has no training prompts", where=f"stages.{ctx.stage.name}.dataset")
    reward = build_reward(ctx, config)
    model, tokenizer, reference = load_models(ctx, config)
    from tuneline.train.dropout import remove_dropout

    remove_dropout(model)  # dropout would make the PPO ratio ≠ 1 before any update
    if reference.frozen_model is not None:
        reference.frozen_model.to(accelerator.device)
    if rank == 0:
        info(f"reference: {reference.description}")
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    model, optimizer = accelerator.prepare(model, optimizer)
    unwrapped = accelerator.unwrap_model(model)
    sampler, not_merged = rollout_sampler(unwrapped.policy, config.merged_rollouts)
    vllm_rollouts = None
    if generation_backend(config.generation_backend) == "vllm" and ctx.pipeline.adapter.type == "lora":
        from tuneline.models.registry import resolve_model_path
        from tuneline.rl.vllm_rollouts import VllmRollouts

        vllm_rollouts = VllmRollouts(resolve_model_path(ctx.pipeline.model.ref), ctx.pipeline.adapter.r,
                                     ctx.stage_dir / f"rollout-adapter-{rank}", ctx.seed * 1000 + rank)
        info("rollouts sample with vLLM (the LoRA adapter synced every step)")
    if not_merged and config.merged_rollouts:
        info(f"rollouts sample from the policy itself ({not_merged})")
    kl_in_loss = config.kl_penalty == "loss"
    kl_controller = (AdaptiveKLController(config.kl_coef, config.kl_target, config.kl_horizon)
                     if config.kl_controller == "adaptive" else FixedKLController(config.kl_coef))
    score_moments = RunningMoments()
    policy_shape = ModelShape.of(unwrapped.policy)
    costs = OnlineCosts(policy=policy_shape,
                        sampler=policy_shape if not_merged or not config.merged_rollouts else policy_shape.without_adapter(),
                        reference=reference_shape(reference, policy_shape), training_passes=config.ppo_epochs,
                        full_finetune=ctx.pipeline.adapter.type == "full",
                        critic=ModelShape.of(unwrapped.critic) if getattr(unwrapped, "critic", None) is not None else None)
    watch = BudgetWatch.of(config.budget, ledger_for(ctx, also=(config.reward_model,) if config.reward_model else ()))
    monitor = Monitor(config.monitors, ctx.stage.name)
    bf16 = config.precision == "bf16"
    initial_digest = trainable_digest(unwrapped)

    step, resumed_before, judge_before = 0, {}, None
    checkpoint = latest_checkpoint(ctx.checkpoint_dir) if ctx.resume else None
    if checkpoint is not None:
        progress = load_checkpoint(checkpoint, unwrapped, optimizer, scheduler)
        step = progress["step"]
        kl_controller.load_state_dict(progress["kl_controller"])
        score_moments.load_state_dict(progress["score_moments"])
        resumed_before = progress.get("eval_before", {})
        watch.load_state_dict(progress.get("compute", {}))
        monitor.history = progress.get("monitor_history", [])
        judge_before = progress.get("judge_before")
        info(f"resumed PPO from {checkpoint.name} (step {step}/{config.max_steps})")
    torch.manual_seed(ctx.seed * 1000 + rank + step)  # each process samples its own completions

    held_out = held_out_prompts(splits, config, rank, world)
    judged = with_judge(ctx, reward, config.monitors.judge)

    def evaluate() -> dict[str, float]:
        return evaluate_policy(unwrapped.policy, tokenizer, held_out, judged, reference, accelerator, ctx.seed,
                               config.max_new_tokens, config.temperature, config.top_p, config.rollout_batch_size,
                               sampler=sampler)

    before = evaluate() if held_out and step == 0 else resumed_before
    if judged is not reward and step == 0:
        judge_before = judged.take_mean()
    if before and rank == 0:
        ctx.log.write(step=step, **{f"eval_{k}": v for k, v in before.items()})
        info(f"before PPO: held-out reward {before['reward_mean']:.3f}, KL {before['kl']:.3f}")
    log = ctx.log
    started = time.perf_counter()
    progress_bar = bar(total=config.max_steps, desc=f"PPO {ctx.stage.name}", unit="step")
    progress_bar.update(step)
    history = []
    stopped_by = None
    with StopRequest() as stop:
        while step < config.max_steps:
            step_start = time.perf_counter()
            indices = prompt_order(len(splits.train), step, config.rollout_batch_size * world, ctx.seed)
            prompts = [splits.train[i].messages for i in indices[rank::world]]
            if vllm_rollouts is not None:
                batch = vllm_rollouts.sample(unwrapped.policy, tokenizer, prompts, step, config.max_new_tokens,
                                             config.temperature, config.top_p)
            else:
                with torch.autocast(device_type=accelerator.device.type, dtype=torch.bfloat16, enabled=bf16):
                    batch = generate_rollouts(sampler.current(), tokenizer, prompts, config.max_new_tokens,
                                              config.temperature, config.top_p)
            rollout_seconds = time.perf_counter() - step_start
            scored_before = reward_flops(reward)
            raw_scores = torch.tensor(check_rewards(reward(prompts, batch.texts), len(prompts),
                                                    getattr(reward, "name", "reward"), step + 1))
            scores = raw_scores - config.missing_eos_penalty * (~batch.finished).float()
            if config.normalize_rewards:
                score_moments.update(accelerator.gather(scores.to(accelerator.device)).cpu())
                scores = (scores - score_moments.mean) / max(score_moments.std, 1e-6)
            logprobs, values, reference_logprobs, *reference_log_probs = score_rollouts(
                unwrapped, batch, config.temperature, reference, autocast=bf16, full_reference=kl_in_loss)
            experience = build_experience(batch, scores.float(), logprobs, values, reference_logprobs,
                                          0.0 if kl_in_loss else kl_controller.value, config.gamma, config.lam,
                                          config.whiten_advantages, *reference_log_probs)
            update_start = time.perf_counter()
            update = ppo_update(model, optimizer, accelerator, experience, config, bf16,
                                kl_coef=kl_controller.value if kl_in_loss else 0.0)
            mean_kl = accelerator.reduce(experience.sequence_kl.mean().to(accelerator.device), "mean").item()
            del experience, reference_log_probs
            kl_used = kl_controller.value
            kl_controller.update(mean_kl, config.rollout_batch_size * world)
            step += 1
            progress_bar.update(1)
            costs.add_rollouts(watch.ledger, batch.query_mask.sum(1).tolist(), batch.response_mask.sum(1).tolist(), world)
            if reward_flops(reward) > scored_before:
                watch.ledger.add("reward", (reward_flops(reward) - scored_before) * world)
            watch.step_done()
            stopped_by = watch.exhausted() if step < config.max_steps else None
            gathered = accelerator.gather(raw_scores.to(accelerator.device)).cpu()
            lengths = accelerator.gather(batch.response_mask.sum(1).float().to(accelerator.device)).cpu()
            record = {"step": step, "reward_mean": gathered.mean().item(), "reward_std": gathered.std().item(),
                      "kl": mean_kl, "kl_coef": kl_used, "completion_length": lengths.mean().item(),
                      "finished_fraction": batch.finished.float().mean().item(), **update,
                      "seconds": time.perf_counter() - step_start, "seconds_rollout": rollout_seconds,
                      "seconds_update": time.perf_counter() - update_start}
            text_stats = completion_stats([ids[mask.bool()].tolist() for ids, mask in
                                           zip(batch.response_ids, batch.response_mask, strict=True)])
            record.update(distinct_2=text_stats["distinct_2"], repetition_3=text_stats["repetition_3"],
                          **watch.ledger.metrics())
            monitor.record(reward_mean=record["reward_mean"], reward_std=record["reward_std"], kl=mean_kl,
                           entropy=update["entropy"], completion_length=record["completion_length"],
                           distinct_2=text_stats["distinct_2"], repetition_3=text_stats["repetition_3"])
            history.append(record)
            if rank == 0 and (step % config.logging_steps == 0 or step == config.max_steps or stopped_by):
                log.write(**record)
                info(f"step {step}/{config.max_steps}: reward {record['reward_mean']:.3f}±{record['reward_std']:.3f} "
                     f"KL {mean_kl:.3f} (β {kl_used:.4f}) entropy {update['entropy']:.2f} "
                     f"len {record['completion_length']:.0f} clip {update['clip_fraction']:.2f} "
                     f"value loss {update['value_loss']:.4f} ({record['seconds']:.0f}s)"
                     + (f" [KL limit: stopped after {update['updates']:.0f} minibatches]"
                        if update.get("kl_limit_hit") else ""))
            if rank == 0 and (step % config.sample_every == 0 or step == 1):
                log_samples(log, step, prompts, batch.texts, raw_scores.tolist())
            if (step % config.save_steps == 0 or stop.requested or stopped_by) and step < config.max_steps:
                if rank == 0:
                    save_checkpoint(ctx.checkpoint_dir, step, unwrapped, optimizer, scheduler,
                                    {"kl_controller": kl_controller.state_dict(),
                                     "score_moments": score_moments.state_dict(), "eval_before": before,
                                     "compute": watch.state_dict(), "monitor_history": monitor.history,
                                     "judge_before": judge_before},
                                    keep=config.save_total_limit)
                accelerator.wait_for_everyone()
            if stopped_by:
                info(f"{ctx.stage.name}: stopped at step {step}: the next step would pass the {stopped_by} budget")
                break
            if stop.requested:
                progress_bar.close()
                raise KeyboardInterrupt
    progress_bar.close()
    runtime = time.perf_counter() - started
    after = evaluate() if held_out else {}
    judge_after = judged.take_mean() if judged is not reward else None
    accelerator.wait_for_everyone()
    metrics = {"steps": step, "reference": reference.description, "train_runtime_s": round(runtime, 1),
               "kl_coef_final": kl_controller.value,
               "kl_target": config.kl_target, "kl_limit": config.kl_limit, "processes": world,
               "trainable_sha256": trainable_digest(unwrapped), "initial_trainable_sha256": initial_digest,
               **{f"eval_{k}_before": v for k, v in before.items()}, **{f"eval_{k}": v for k, v in after.items()},
               **watch.metrics(), **monitor.finish(judge_before, judge_after),
               **({"stopped_by_budget": stopped_by} if stopped_by else {})}
    if history:
        metrics.update(train_reward_first=history[0]["reward_mean"], train_reward_last=history[-1]["reward_mean"],
                       train_kl_last=history[-1]["kl"])
    save_artifact(unwrapped.policy, tokenizer, ctx.stage_dir)  # rank 0 writes, every process waits for it
    if rank == 0:
        torch.save(unwrapped.value_head.state_dict(), ctx.stage_dir / "value_head.pt")
        finish_training(ctx.stage_dir)
        if after:
            log.write(step=step, **{f"eval_{k}": v for k, v in after.items()})
            prefix = f"before PPO: reward {before['reward_mean']:.3f}, KL {before['kl']:.3f}; " if before else ""
            info(f"{prefix}after PPO: held-out reward {after['reward_mean']:.3f} (SE {after['reward_se']:.3f}), "
                 f"KL {after['kl']:.3f} "
                 f"(target {config.kl_target})")
    accelerator.wait_for_everyone()
    return metrics
