"""The pipeline file, as typed and documented pydantic models.

Every field has a default and a one-line description; `tuneline config explain` prints
them. Stage configs live next to their stage (`tuneline.stages.<type>.Config`) and
derive from `StageConfig` or `TrainingStageConfig` here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tuneline.config.distributed import DistributedConfig
from tuneline.config.references import CHAT_MODEL


class Strict(BaseModel):
    """Unknown keys are errors: a misspelt key must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())


class ModelConfig(Strict):
    """The base model every stage starts from unless the stage names its own."""

    ref: str = Field(CHAT_MODEL, description="model reference: builtin:NAME, a local folder, or a hub id")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        "float32", description="weight dtype when loading; float32 is the safe choice on CPU")
    trust_remote_code: bool = Field(False, description="allow custom modelling code from the model folder")


class AdapterConfig(Strict):
    """How stages train weights: a LoRA adapter on the frozen base, or every weight."""

    type: Literal["lora", "full"] = Field("lora", description="lora: train a LoRA adapter; full: train every weight")
    r: int = Field(16, ge=1, description="LoRA rank")
    alpha: int = Field(32, ge=1, description="LoRA scaling numerator (scale = alpha / r)")
    dropout: float = Field(0.05, ge=0, lt=1, description="dropout on the LoRA input")
    target_modules: list[str] | Literal["all-linear"] = Field(
        "all-linear", description="module names to adapt, or all-linear")
    layers_to_transform: list[int] | None = Field(
        None, description="LoRA only in these decoder layers (0-based), e.g. the upper half: the backward pass then "
                          "stops at the lowest adapted layer (the 135M model trains ~1.6x faster with the upper half "
                          "on CPU); None: every layer")
    use_dora: bool = Field(False, description="weight-decomposed LoRA (DoRA)")
    load_in_4bit: bool = Field(False, description="QLoRA: load the base in 4-bit NF4 (bitsandbytes; its CPU backend works without a GPU)")
    bnb_4bit_quant_storage: Literal["uint8", "float32", "bfloat16", "float16"] = Field(
        "uint8", description="QLoRA: dtype the packed 4-bit weights are stored in; FSDP and ZeRO-3 shard them with "
                             "the other weights only when it is model.dtype")


class CurationConfig(Strict):
    """Curation of a dataset (data/curation/): duplicates, filters, PII, leakage."""


    exact_dedupe: bool = Field(True, description="drop records whose normalised text repeats an earlier one")
    near_dedupe: bool = Field(True, description="drop near-duplicates (MinHash LSH over character 5-grams)")
    near_threshold: float = Field(0.6, gt=0, le=1, description="Jaccard similarity at or above which two records are near-duplicates")
    min_chars: int = Field(1, ge=0, description="drop records whose answer (or text) is shorter than this")
    max_chars: int | None = Field(None, ge=1, description="drop records whose whole text is longer than this")
    max_repetition: float = Field(0.5, gt=0, le=1, description="drop answers whose share of repeated word 3-grams exceeds this (degenerate loops)")
    scrub_pii: bool = Field(False, description="replace e-mail addresses, phone numbers and card numbers with [EMAIL], [PHONE], [CARD]")
    leakage: Literal["remove_from_train", "remove_from_eval", "report"] = Field(
        "remove_from_train", description="what to do with training records that nearly repeat an eval record")
    pair_similarity: float = Field(0.95, gt=0, le=1, description="drop preference pairs whose chosen and rejected are at least this similar")


class DatasetConfig(Strict):
    """A named dataset: a file, folder or hub name, its format and its held-out split."""

    path: str | None = Field(None, description="file or folder, relative to the pipeline file; or a hub dataset name. "
                                               "With `stage:`, the file in that stage's folder (or `mix:` instead)")
    stage: str | None = Field(None, description="a dataset an earlier stage of this run writes (constitution, "
                                                "ai_feedback): that stage's name; path defaults to preferences.jsonl")
    format: str = Field("auto", description="auto, messages, sharegpt, alpaca, prompt_completion, preference, hh, kto, csv, tsv, parquet, hf_disk, hub, annotations (path: a database URL)")
    columns: dict[str, str] = Field(default_factory=dict, description="rename source fields to the canonical ones, e.g. {question: prompt}")
    split: str | None = Field(None, description="split name for hub datasets or folders with splits")
    eval_path: str | None = Field(None, description="a separate held-out file; otherwise eval_fraction of path is held out")
    eval_fraction: float = Field(0.1, ge=0, lt=1, description="share held out for evaluation when eval_path is not given")
    on_invalid: Literal["error", "drop", "warn"] = Field("error", description="what to do with a record that fails validation")
    limit: int | None = Field(None, ge=1, description="use only the first N records (quick experiments)")
    curation: CurationConfig | None = Field(
        None, description="clean before use: dedupe, length/quality filters, PII, train/eval leakage (docs/data.md)")
    mix: dict[str, float] | None = Field(
        None, description="instead of path: other datasets' training splits by weight, e.g. {docs: 0.8, general: 0.2} "
                          "(data/mix.py; docs/data.md)")
    mix_size: int | None = Field(None, ge=1, description="mix: records in the mixed training split (default: the "
                                                         "most that keeps every share without repeating a record)")

    @model_validator(mode="after")
    def _stage_file(self) -> DatasetConfig:
        if self.stage is not None and self.path is None:
            self.path = "preferences.jsonl"
        return self


class StageConfig(Strict):
    name: str = Field("", description="stage name, also its folder in the run directory; defaults to the type")
    type: str = Field(..., description="stage type")
    from_: str | None = Field(None, alias="from", description="the earlier stage whose output this stage continues")
    dataset: str | None = Field(None, description="name of a dataset in `datasets:`")


class ReferenceChoice(Strict):
    """The `reference:` option of the stages that anchor to a reference model."""

    reference: Literal["entering", "base"] = Field(
        "entering", description="the reference model (KL anchor, implicit reward): entering = the policy as this stage "
                                "starts, i.e. the `from:` stage's model, as in the DPO and RLHF papers; base = the "
                                "pipeline's base model")


class GenerationBackendChoice(Strict):
    """The `generation_backend:` option of the stages that generate (PPO, GRPO, RLOO, eval)."""

    generation_backend: Literal["auto", "hf", "vllm"] = Field(
        "auto", description="who generates: vllm (GPU, LoRA weights synced each step), hf (transformers' generate); "
                            "auto: vllm where CUDA and the vllm package are present, else hf")




class Budget(Strict):
    """A compute budget: the stage stops cleanly (checkpoint, artifact) before passing it."""

    flops: float | None = Field(None, gt=0, description="FLOPs this stage may spend (its ledger's total, docs/flops.md)")
    seconds: float | None = Field(None, gt=0, description="wall-clock seconds of training this stage may spend")


class BudgetOption(Strict):
    budget: Budget | None = Field(None, description="stop at a compute budget: {flops: 2e15} or {seconds: 600}")


class TrainingStageConfig(BudgetOption, StageConfig):
    epochs: float = Field(1.0, gt=0, description="passes over the training data")
    max_steps: int | None = Field(None, ge=1, description="stop after this many optimizer steps (overrides epochs)")
    learning_rate: float = Field(2e-4, gt=0, description="peak learning rate")
    lr_scheduler: Literal["linear", "cosine", "constant"] = Field("cosine", description="decay after warm-up")
    warmup_ratio: float = Field(0.05, ge=0, lt=1, description="share of steps spent warming up")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay")
    max_grad_norm: float = Field(1.0, gt=0, description="gradient clipping norm")
    batch_size: int = Field(4, ge=1, description="examples per micro-batch")
    gradient_accumulation_steps: int = Field(1, ge=1, description="micro-batches per optimizer step")
    max_length: int = Field(512, ge=8, description="longest tokenized example; longer ones are truncated")
    precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto", description="bf16 autocast where the hardware multiplies bf16 fast; auto picks it on GPUs with bf16")
    gradient_checkpointing: bool = Field(False, description="trade ~40% speed for activation memory")
    micro_batch_tokens: Annotated[int, Field(ge=16)] | Literal["auto", "off"] = Field(
        "auto", description="split each batch into forward passes of at most this many padded tokens, with exact "
        "gradient accumulation: bounds activation memory. auto: 128 on CPU (where small passes run as fast), "
        "off on GPUs")
    group_by_length: bool | Literal["auto"] = Field(
        "auto", description="batch examples of similar length together (less padding, but batches less random); "
        "auto: only when batches are not split into passes (split passes are sorted by length already)")
    logging_steps: int = Field(5, ge=1, description="log every N optimizer steps")
    eval_steps: int | None = Field(None, ge=1, description="evaluate on held-out data every N steps (None: at the end only)")
    save_steps: int = Field(25, ge=1, description="write a resumable checkpoint every N optimizer steps")
    save_total_limit: int = Field(2, ge=1, description="checkpoints kept")
    max_eval_examples: int | None = Field(200, ge=0, description="cap on held-out examples used for metrics "
                                                                   "(0: none, e.g. when a study judges the result)")

    @field_validator("micro_batch_tokens", mode="before")
    @classmethod
    def _yaml_off(cls, value: Any) -> Any:
        return "off" if value is False else value  # YAML reads a bare `off` as false


class PipelineConfig(Strict):
    """The whole pipeline file: name, seed, model, adapter, datasets, stages, tracking."""

    name: str = Field(..., description="pipeline name; runs go to runs/<name>/<run-id>/")
    seed: int = Field(42, description="random seed for data order, initialisation and sampling")
    model: ModelConfig = Field(default_factory=ModelConfig, description="the base model")
    adapter: AdapterConfig = Field(default_factory=AdapterConfig, description="how weights are trained")
    datasets: dict[str, DatasetConfig] = Field(default_factory=dict, description="named datasets the stages refer to")
    stages: list[Any] = Field(default_factory=list, description="ordered stages; each one's `type` selects its options")
    output_dir: str = Field("runs", description="where run directories are created, relative to the working directory")
    tracking: dict[str, Any] = Field(default_factory=dict, description="experiment tracking: {backend: mlflow|wandb|none, uri: ...}")
    distributed: DistributedConfig = Field(
        default_factory=DistributedConfig, description="several processes: ddp, fsdp or deepspeed (docs/distributed.md)")

    @field_validator("model", mode="before")
    @classmethod
    def _model_shorthand(cls, value: Any) -> Any:
        return {"ref": value} if isinstance(value, str) else value

    def written_by(self, name: str) -> list[str]:
        """The stages of the run that write dataset `name` (itself, or the parts of a mix):
        empty when it exists before the run."""
        dataset = self.datasets[name]
        parts = [self.datasets[part] for part in dataset.mix] if dataset.mix else [dataset]
        return [part.stage for part in parts if part.stage is not None]

    @model_validator(mode="after")
    def _check_references(self) -> PipelineConfig:
        names: list[str] = []
        for index, stage in enumerate(self.stages):
            if stage.name in names:
                raise ValueError(f"stages.{index}.name: duplicate stage name '{stage.name}'")
            if stage.from_ is not None and stage.from_ not in names:
                raise ValueError(
                    f"stages.{index}.from: '{stage.from_}' is not an earlier stage (earlier: {names or 'none'})")
            if stage.dataset is not None and stage.dataset not in self.datasets:
                raise ValueError(
                    f"stages.{index}.dataset: '{stage.dataset}' is not defined under datasets: "
                    f"(defined: {sorted(self.datasets) or 'none'})")
            names.append(stage.name)
        self._check_mixes()
        return self

    def _check_mixes(self) -> None:
        for name, dataset in self.datasets.items():
            if (dataset.path is None) == (dataset.mix is None):
                raise ValueError(f"datasets.{name}: give either path: (a file; or stage: for a dataset an earlier "
                                 f"stage writes) or mix: (weights of other datasets), not "
                                 f"{'both' if dataset.path else 'neither'}")
            for part in dataset.mix or {}:
                if part not in self.datasets:
                    raise ValueError(f"datasets.{name}.mix.{part}: '{part}' is not defined under datasets: "
                                     f"(defined: {sorted(self.datasets)})")
                if self.datasets[part].mix is not None:
                    raise ValueError(f"datasets.{name}.mix.{part}: '{part}' is itself a mix; "
                                     "mix files (datasets with path:) only")
                if not dataset.mix[part] > 0:
                    raise ValueError(f"datasets.{name}.mix.{part}: the weight must be above 0 (got "
                                     f"{dataset.mix[part]}); leave the dataset out of the mix instead")


def dump_resolved(config: PipelineConfig) -> dict[str, Any]:
    """The config with every default filled in, as written to the run directory."""
    out = config.model_dump(mode="json", by_alias=True)
    out["stages"] = [stage.model_dump(mode="json", by_alias=True) for stage in config.stages]
    return out
