"""The `eval` stage: measure the run's models on held-out data and print before/after.

    - type: eval
      suites: [loss, preference, winrate]   # targets default to base + every trained stage

`qa` scores answers to held-out questions written by `tuneline data synth` (judge,
similarity, abstention, hallucination); `forgetting` the held-out loss on general data
(`datasets: {forgetting: NAME}`) and its rise over the base model.
Datasets default to what the trained stages used (their held-out split, same seed), the
win rate to the final model against the base, judged by the run's reward stage when it
has one. Writes metrics.json, samples.jsonl and report.html into the stage folder.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from tuneline.config.schema import GenerationBackendChoice, StageConfig, Strict
from tuneline.data.synth.config import NOT_IN_DOCS
from tuneline.safety.config import SafetyConfig
from tuneline.stages import contract
from tuneline.stages.contract import StageContract

SuiteName = Literal["loss", "preference", "winrate", "generate", "classification", "lm-eval", "safety", "qa",
                    "forgetting"]
CONTRACT = StageContract(
    summary="measure base and trained stages on held-out data: loss, preference, win rate, generation, "
            "lm-eval, safety audit and release gate, qa (answers about documents), forgetting",
    reads=None,
    writes="report",
)


# The record type of the data each suite reads; an earlier stage that read the same type
# lends its dataset (its held-out split) to the suite.
SUITE_DATA = {"loss": "sft", "preference": "preference", "classification": "classification", "qa": "sft"}


class JudgeConfig(Strict):
    type: Literal["auto", "reward_model", "llm", "openai"] = Field(
        "auto", description="auto: the run's reward stage if any; reward_model; llm (a local chat model); openai "
                            "(an OpenAI-compatible endpoint)")
    reward_model: str | None = Field(None, description="reward stage name or folder (default: the run's reward stage)")
    model: str | None = Field(None, description="llm: a target or model reference; openai: the model name served")
    base_url: str | None = Field(None, description="openai: the endpoint, e.g. http://localhost:8000/v1")
    api_key_env: str = Field("OPENAI_API_KEY", description="openai: environment variable holding the API key")
    max_new_tokens: int = Field(8, ge=1, description="llm/openai: tokens the judge may write (it answers A, B or tie)")
    tie_margin: float = Field(0.0, ge=0, description="reward_model: score differences up to this count as ties")


class LmEvalConfig(Strict):
    tasks: list[str] = Field(default_factory=list, description="lm-eval task, group or tag names")
    include_path: str | None = Field(None, description="folder of local lm-eval task YAML files (a relative "
                                        "data_files path is read beside its YAML file)")
    limit: float | None = Field(None, gt=0, description="examples per task (a fraction if < 1); None: all")
    num_fewshot: int | None = Field(None, ge=0, description="few-shot examples; None: the task's default")
    apply_chat_template: bool = Field(False, description="render lm-eval prompts with the model's chat template")


class QaOptions(Strict):
    judge: str | None = Field(None, description="chat model judging answers yes/no by log-probability (a target name "
                                                "or model reference); default: the pipeline's base model")
    similarity_threshold: float = Field(0.75, gt=0, le=1, description="MiniLM cosine at or above which an answer "
                                                                      "matches its reference (or the abstain answer)")
    abstain_answer: str = Field(NOT_IN_DOCS, description="the answer taught for questions the docs do not answer")


class Config(GenerationBackendChoice, StageConfig):
    type: Literal["eval"] = "eval"
    suites: list[SuiteName] = Field(["loss", "preference", "winrate", "generate"], description="what to measure")
    targets: list[str] | None = Field(None, description="models to compare: base, stage names, folders or model "
                                                        "references; default: base and every earlier trained stage")
    datasets: dict[SuiteName, str] = Field(default_factory=dict, description="dataset (from datasets:) per suite; "
                                           "default: the held-out split of the stage that trained on it")
    judge: JudgeConfig = Field(default_factory=JudgeConfig, description="who judges the win rate")
    winrate_pairs: list[tuple[str, str]] | None = Field(
        None, description="[[model_a, model_b], …]; default: each trained stage against the stage it continued "
                          "(its `from:`) and against the base")
    max_examples: int = Field(200, ge=1, description="held-out records per suite (loss, preference, classification)")
    max_prompts: int = Field(16, ge=1, description="held-out prompts each target answers (generate, winrate)")
    max_new_tokens: int = Field(128, ge=1, description="longest generated answer")
    batch_size: int = Field(8, ge=1, description="examples per forward pass or generation batch")
    max_length: int = Field(512, ge=8, description="longest tokenized example for loss and preference")
    beta: float = Field(0.1, gt=0, description="β of the implicit DPO reward in the preference suite")
    show_samples: int = Field(3, ge=0, description="held-out answers printed, base beside the final model")
    lm_eval: LmEvalConfig = Field(default_factory=LmEvalConfig, description="lm-evaluation-harness options")
    safety: SafetyConfig = Field(default_factory=SafetyConfig, description="safety suite: prompts, detectors, gate "
                                                                           "(docs/safety.md)")
    qa: QaOptions = Field(default_factory=QaOptions, description="qa suite: held-out questions about documents "
                                                                 "(data synth output): judge, similarity, abstention")

    @model_validator(mode="after")
    def _baseline_is_a_target(self) -> Config:
        named = self.safety.baseline
        if named not in ("base", "previous", "none") and self.targets is not None and named not in self.targets:
            raise ValueError(f"safety.baseline '{named}' is not one of the targets ({', '.join(self.targets)}): name "
                             "one of them, or use base, previous or none")
        return self


def earlier_stages(ctx) -> list[Any]:
    stages = []
    for stage in ctx.pipeline.stages:
        if stage.name == ctx.stage.name:
            break
        stages.append(stage)
    return stages


def dataset_for(ctx, config: Config, suite: str) -> str | None:
    """The dataset a suite reads: configured, else the one an earlier stage trained on."""
    from tuneline.errors import ConfigError

    name = config.datasets.get(suite)  # type: ignore[call-overload]
    if name is not None:
        if name not in ctx.pipeline.datasets:
            raise ConfigError(f"'{name}' is not defined under datasets:", where=f"stages.{ctx.stage.name}.datasets."
                              f"{suite}", fix=f"use one of: {', '.join(sorted(ctx.pipeline.datasets)) or 'none'}")
        return name
    if suite in ("generate", "winrate"):
        return config.dataset or dataset_for(ctx, config, "loss") or dataset_for(ctx, config, "preference")
    for stage in earlier_stages(ctx):
        if SUITE_DATA.get(suite) is not None and contract(stage.type).reads == SUITE_DATA[suite] and stage.dataset:
            return stage.dataset
    return config.dataset if suite == "loss" else None


def held_out(ctx, config: Config, suite: str, task: str) -> list[Any]:
    name = dataset_for(ctx, config, suite)
    return ctx.dataset(task, name).eval[: config.max_examples] if name else []


def qa_inputs(ctx, config: Config) -> list[Any]:
    """Held-out questions of the qa dataset, with the passage and answerable flag its
    synth file keeps (a mix's parts are searched; general records have none and are left out)."""
    from tuneline.eval.qa import qa_cases, synth_rows

    name = dataset_for(ctx, config, "qa")
    if name is None:
        return []
    dataset = ctx.pipeline.datasets[name]
    rows: dict[str, Any] = {}
    for part in [ctx.pipeline.datasets[p] for p in dataset.mix] if dataset.mix else [dataset]:
        for path in (part.path, part.eval_path):
            if path and path.endswith(".jsonl"):
                rows.update(synth_rows(path))
    return qa_cases(ctx.dataset("sft", name).eval[: config.max_examples], rows)


def prompts_for(ctx, config: Config) -> list[Any]:
    from tuneline.errors import DataError
    from tuneline.eval.evaluate import prompt_cases

    name = dataset_for(ctx, config, "winrate")
    if name is None:
        return []
    for task in ("sft", "prompt"):  # sft keeps the dataset's own answer as a reference
        try:
            return prompt_cases(ctx.dataset(task, name).eval[: config.max_prompts])
        except DataError:
            continue
    return []


def build_judge_factory(config: JudgeConfig, ctx, reward_stage: str | None, dtype: str):
    """A zero-argument function that loads the judge (called only if a win rate is computed)."""
    import os

    from tuneline.eval import judges

    if config.type == "openai":
        def openai_judge():
            return judges.LLMJudge(judges.openai_chat_generator(config.model or "gpt-4o-mini", config.base_url,
                                                                os.environ.get(config.api_key_env),
                                                                config.max_new_tokens), name=f"openai:{config.model}")
        return openai_judge
    if config.type == "llm":
        def local_judge():
            from tuneline.models.load import load_for_inference

            reference = config.model or ctx.pipeline.model.ref
            if (ctx.run_dir / reference).is_dir():
                reference = str(ctx.run_dir / reference)
            model, tokenizer = load_for_inference(reference, dtype=dtype)
            return judges.LLMJudge(judges.local_chat_generator(model, tokenizer, config.max_new_tokens),
                                   name=f"llm:{config.model or 'base'}")
        return local_judge
    if reward_stage is None:
        return None

    def reward_judge():
        return judges.RewardModelJudge(reward_source(ctx, reward_stage), config.tie_margin,
                                       name=f"reward-model:{reward_stage}")
    return reward_judge


def reward_source(ctx, reference: str):
    from tuneline.rl.rewards import RewardModelReward

    folder = ctx.run_dir / reference if (ctx.run_dir / reference).is_dir() else reference
    return RewardModelReward(folder)


def run(ctx, config: Config) -> dict:
    from tuneline.eval import targets as tg
    from tuneline.eval.evaluate import EvalInputs, evaluate
    from tuneline.eval.report import write_run_report
    from tuneline.eval.summary import before_after
    from tuneline.runtime import generation_backend

    stages = earlier_stages(ctx)
    names = [s.name for s in stages]
    base = ctx.pipeline.model.ref
    if config.targets:
        targets = [tg.resolve_target(n, ctx.run_dir, base, names) for n in config.targets]
    else:
        targets = tg.default_targets(ctx.run_dir, base, names)
    targets, reference_targets = tg.link_stages(targets, stages, ctx.run_dir, base)
    named = config.safety.baseline
    if "safety" in config.suites and named not in ("base", "previous", "none") and named not in {t.name for t in targets}:
        from tuneline.errors import ConfigError

        # (with targets: listed, validate already refused it; here the default targets lack it)
        raise ConfigError(f"safety.baseline '{named}' is not one of the models this stage evaluates "
                          f"({', '.join(t.name for t in targets)})", where=f"stages.{config.name}.safety.baseline",
                          fix="name one of them, list the model under targets:, or use base, previous or none")
    winrate_pairs = ([tuple(p) for p in config.winrate_pairs] if config.winrate_pairs
                     else tg.default_winrate_pairs(targets))
    suites = list(dict.fromkeys(config.suites))
    inputs = EvalInputs()
    if "loss" in suites:
        inputs.conversations = held_out(ctx, config, "loss", "sft")
    if "preference" in suites:
        inputs.preferences = held_out(ctx, config, "preference", "preference")
    if {"generate", "winrate"} & set(suites):
        inputs.prompts = prompts_for(ctx, config)
    if "qa" in suites:
        inputs.qa = qa_inputs(ctx, config)
    if "forgetting" in suites:
        if "forgetting" not in config.datasets:
            from tuneline.errors import ConfigError

            raise ConfigError("the forgetting suite needs general instruction data to measure the model on",
                              where=f"stages.{ctx.stage.name}.datasets",
                              fix="add `forgetting: <dataset>` under the eval stage's datasets: (data the "
                                  "fine-tune was not about, e.g. general chat)")
        inputs.general = held_out(ctx, config, "forgetting", "sft")
    qa_judge = config.qa.judge or base
    if (ctx.run_dir / qa_judge).is_dir():
        qa_judge = str(ctx.run_dir / qa_judge)
    classifiers = []
    if "classification" in suites:
        inputs.labeled = held_out(ctx, config, "classification", "classification")
        classifiers = [tg.Target(s.name, str(ctx.run_dir / s.name)) for s in stages
                       if contract(s.type).writes == "classifier" and tg.has_weights(ctx.run_dir / s.name)]
    reward_stage = config.judge.reward_model or next(
        (s.name for s in reversed(stages) if contract(s.type).writes == "reward"
         and tg.has_weights(ctx.run_dir / s.name)), None)
    judge_type_reward = config.judge.type in ("auto", "reward_model")
    if config.judge.type == "reward_model" and reward_stage is None:
        from tuneline.errors import ConfigError

        raise ConfigError("judge.type is reward_model but the run has no reward stage before this one",
                          where=f"stages.{ctx.stage.name}.judge", fix="add a `type: reward` stage, or set "
                          "judge.reward_model to a reward model folder, or use judge.type: llm")
    dtype = ctx.pipeline.model.dtype
    source = reward_source(ctx, reward_stage) if reward_stage and judge_type_reward else None
    judge_factory = build_judge_factory(config.judge, ctx, reward_stage, dtype)
    if source is not None:  # one reward model in memory, shared by the judge and the reward scores
        from tuneline.eval.judges import RewardModelJudge

        judge_factory = lambda: RewardModelJudge(source, config.judge.tie_margin,  # noqa: E731
                                                 name=f"reward-model:{reward_stage}")
    result = evaluate(targets, inputs, suites, ctx.stage_dir, reference_targets=reference_targets,
                      max_new_tokens=config.max_new_tokens,
                      batch_size=config.batch_size, max_length=config.max_length, beta=config.beta,
                      winrate_pairs=winrate_pairs or None,
                      judge_factory=judge_factory, reward_source=source, classifiers=classifiers,
                      lm_eval_options=config.lm_eval.model_dump() if "lm-eval" in suites else None, dtype=dtype,
                      generation_backend=generation_backend(config.generation_backend),
                      qa_options={**config.qa.model_dump(), "judge": qa_judge})
    print(before_after(result.metrics["details"], result.samples, config.show_samples), flush=True)
    if "safety" in suites:  # audit, release gate and report section: tuneline.safety.suite
        from tuneline.safety.suite import run_safety_suite

        result.metrics.update(run_safety_suite(config.safety, targets, ctx.run_dir, ctx.stage_dir, ctx.pipeline,
                                               config.safety.dtype or dtype))
    write_run_report(ctx.run_dir, ctx.stage_dir / "report.html")
    print(f"\nreport: {ctx.stage_dir / 'report.html'}", flush=True)
    return result.metrics
