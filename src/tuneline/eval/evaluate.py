"""Run evaluation suites over targets; write metrics.json, samples.jsonl and report.html.

Used by the `eval` stage and by `tuneline eval`. Each target model is loaded once and
every suite that needs it runs before the next one is loaded, so memory holds one model
(plus the judge, loaded after all targets have answered).
"""

from __future__ import annotations

import gc
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuneline.data.records import Conversation, LabeledText, Message, Preference
from tuneline.eval.targets import Target
from tuneline.io import atomic_write_json, atomic_write_text
from tuneline.progress import info, status

REWARD_MODEL_COLUMN = "reward_model"  # the run's reward model, scored on the held-out preference pairs


@dataclass
class PromptCase:
    messages: list[Message]
    reference: str | None = None  # the dataset's own answer, shown beside the models'


@dataclass
class EvalInputs:
    conversations: list[Conversation] = field(default_factory=list)  # loss
    preferences: list[Preference] = field(default_factory=list)  # preference
    prompts: list[PromptCase] = field(default_factory=list)  # generate, winrate
    labeled: list[LabeledText] = field(default_factory=list)  # classification
    qa: list[Any] = field(default_factory=list)  # qa: eval.qa.QACase
    general: list[Conversation] = field(default_factory=list)  # forgetting: general instruction data


@dataclass
class EvalResult:
    metrics: dict[str, Any]  # flat numbers, plus "details"
    samples: list[dict[str, Any]]


def prompt_cases(records: list[Any]) -> list[PromptCase]:
    """Prompts (and reference answers) from conversations, preferences or prompts."""
    cases = []
    for record in records:
        if isinstance(record, Conversation):
            messages = list(record.messages)
            reference = messages.pop()["content"] if messages and messages[-1]["role"] == "assistant" else None
            if messages:
                cases.append(PromptCase(messages, reference))
        elif isinstance(record, Preference):
            cases.append(PromptCase(list(record.prompt), record.chosen[-1]["content"] if record.chosen else None))
        elif hasattr(record, "messages"):
            cases.append(PromptCase(list(record.messages)))
    return cases


def generation_summary(generations: list[Any]) -> dict[str, float]:
    """Share of answers that ended with EOS (the model stopped by itself) and their length."""
    if not generations:
        return {}
    return {"eos_share": sum(g.finished_with_eos for g in generations) / len(generations),
            "mean_tokens": statistics.fmean(g.num_tokens for g in generations), "answers": len(generations)}


def flat_metrics(details: dict[str, Any]) -> dict[str, float]:
    """Headline numbers as `<target>/<suite>.<metric>` and `winrate/<a>_vs_<b>.<field>`."""
    flat: dict[str, float] = {}
    for target, suites in details.get("targets", {}).items():
        for suite, values in suites.items():
            for key, value in values.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    flat[f"{target}/{suite}.{key}"] = value
    for w in details.get("winrate", []):
        for key in ("win_rate", "ci_low", "ci_high", "wins", "ties", "losses", "order_agreement"):
            flat[f"winrate/{w['model_a']}_vs_{w['model_b']}.{key}"] = w[key]
    return flat


def _free(*objects: Any) -> None:
    del objects
    gc.collect()


def evaluate(targets: list[Target], inputs: EvalInputs, suites: list[str], out_dir: Path, *,
             reference_targets: list[Target] | None = None,
             max_new_tokens: int = 128, batch_size: int = 8, max_length: int = 512, beta: float = 0.1,
             winrate_pairs: list[tuple[str, str]] | None = None, judge_factory: Callable[[], Any] | None = None,
             reward_source: Callable[[list[list[Message]], list[str]], list[float]] | None = None,
             classifiers: list[Target] | None = None, lm_eval_options: dict[str, Any] | None = None,
             dtype: str = "float32", generation_backend: str = "hf",
             qa_options: dict[str, Any] | None = None) -> EvalResult:
    """Run `suites` on every target; `judge_factory` builds the win-rate judge when needed,
    `reward_source` (optional) scores answers and preference pairs with a reward model;
    `reference_targets` are models that are only some target's reference (implicit rewards);
    `qa_options` (judge, similarity_threshold, abstain_answer) configure the qa suite."""
    from tuneline.eval.implicit import implicit_rewards, score_pairs
    from tuneline.models.load import load_for_inference

    out_dir.mkdir(parents=True, exist_ok=True)
    details: dict[str, Any] = {"targets": {}, "winrate": [], "notes": [], "suites": list(suites)}
    generations: dict[str, list[Any]] = {}
    generate = bool({"generate", "winrate"} & set(suites)) and bool(inputs.prompts)
    score_preferences = "preference" in suites and bool(inputs.preferences)
    pair_scores = {}
    qa_answers: dict[str, list[str]] = {}
    # Suites that read each target's own weights here; the others (safety, classification) load what
    # they need themselves, so a run of only those loads no target in this loop.
    per_target = (generate or score_preferences or ("loss" in suites and bool(inputs.conversations))
                  or ("forgetting" in suites and bool(inputs.general)) or ("qa" in suites and bool(inputs.qa))
                  or "lm-eval" in suites)
    loaded = [*targets, *(reference_targets or [])] if score_preferences else targets
    if not per_target:
        details["targets"] = {target.name: {} for target in targets}
        loaded = []
    for target in loaded:
        with status(f"evaluating {target.name} ({target.reference})"):
            model, tokenizer = load_for_inference(target.reference, dtype=dtype)
            if score_preferences:
                pair_scores[target.name] = score_pairs(model, tokenizer, inputs.preferences, max_length,
                                                       max(1, batch_size // 2), target.reference_target is None)
            if target not in targets:  # only a reference
                _free(model, tokenizer)
                continue
            results: dict[str, Any] = {}
            if "loss" in suites and inputs.conversations:
                from tuneline.eval.metrics import heldout_loss

                results["loss"] = heldout_loss(model, tokenizer, inputs.conversations, max_length, batch_size)
            if generate:
                from tuneline.eval.generate import generate_chat, generate_chat_vllm

                conversations = [c.messages for c in inputs.prompts]
                generations[target.name] = generate_chat_vllm(target.reference, tokenizer, conversations,
                                                              max_new_tokens) if generation_backend == "vllm" else \
                    generate_chat(model, tokenizer, conversations, max_new_tokens=max_new_tokens, batch_size=batch_size)
                results["generation"] = generation_summary(generations[target.name])
            if "forgetting" in suites and inputs.general:
                from tuneline.eval.metrics import heldout_loss

                general = heldout_loss(model, tokenizer, inputs.general, max_length, batch_size)
                results["forgetting"] = {"general_loss": general["loss"], "general_perplexity": general["perplexity"]}
            if "qa" in suites and inputs.qa:
                from tuneline.eval.generate import generate_chat

                qa_answers[target.name] = [g.text for g in generate_chat(
                    model, tokenizer, [c.messages for c in inputs.qa], max_new_tokens=max_new_tokens,
                    batch_size=batch_size, desc="answering held-out questions")]
            if "lm-eval" in suites:
                from tuneline.eval.lm_eval_bridge import run_lm_eval

                results["lm_eval"] = run_lm_eval(model, tokenizer, batch_size=batch_size, **(lm_eval_options or {}))
            details["targets"][target.name] = results
            _free(model, tokenizer)
    for name, preference in implicit_rewards(pair_scores, targets, beta, details["notes"]).items():
        details["targets"][name]["preference"] = preference
    if reward_source is not None and generations:
        for name, answers in generations.items():
            scores = reward_source([c.messages for c in inputs.prompts], [g.text for g in answers])
            details["targets"][name]["reward"] = {"mean_reward": statistics.fmean(scores)}
    if reward_source is not None and "preference" in suites and inputs.preferences:
        details["targets"][REWARD_MODEL_COLUMN] = {"preference": reward_model_preference(reward_source, inputs.preferences)}
    if "forgetting" in suites:
        from tuneline.eval.forgetting import add_loss_rise

        add_loss_rise(details["targets"], next((t.name for t in targets if t.name == "base"),
                                               targets[0].name if targets else None))
    if qa_answers:
        _qa_suite(inputs.qa, qa_answers, qa_options or {}, details["targets"], out_dir, batch_size, dtype)
    if "winrate" in suites:
        details["winrate"] = _winrates(targets, inputs, generations, winrate_pairs, judge_factory, details["notes"])
    if "classification" in suites:
        for classifier in classifiers or []:
            details["targets"][classifier.name] = {
                "classification": classification_suite(classifier, inputs.labeled, out_dir, batch_size, max_length)}
    samples = [{"index": i, "target": name, "prompt": case.messages, "reference": case.reference, "answer": g.text,
                "finished_with_eos": g.finished_with_eos, "num_tokens": g.num_tokens}
               for name, answers in generations.items() for i, (case, g) in enumerate(zip(inputs.prompts, answers,
                                                                                             strict=True))]
    metrics = {**flat_metrics(details), "details": details}
    atomic_write_json(out_dir / "metrics.json", metrics)
    atomic_write_text(out_dir / "samples.jsonl", "".join(_jsonl(s) for s in samples))
    return EvalResult(metrics=metrics, samples=samples)


def _qa_suite(cases: list[Any], answers: dict[str, list[str]], options: dict[str, Any], targets: dict[str, Any],
              out_dir: Path, batch_size: int, dtype: str) -> None:
    """Judge every target's answers with one judge model, loaded once after the targets."""
    from tuneline.eval.qa import score_qa
    from tuneline.models.load import load_for_inference

    with status(f"qa: judging answers with {options['judge']}"):
        judge = load_for_inference(options["judge"], dtype=dtype)
        for name, scores in score_qa(cases, answers, judge, options.get("similarity_threshold", 0.75),
                                     options["abstain_answer"], batch_size).items():
            targets[name]["qa"] = scores
        _free(judge)
    atomic_write_text(out_dir / "qa_answers.jsonl", "".join(
        _jsonl({"target": name, "question": case.messages[-1]["content"], "reference": case.reference,
                "answerable": case.answerable, "answer": text})
        for name, texts in answers.items() for case, text in zip(cases, texts, strict=True)))


def _jsonl(record: dict[str, Any]) -> str:
    import json

    return json.dumps(record, ensure_ascii=False) + "\n"


def _winrates(targets: list[Target], inputs: EvalInputs, generations: dict[str, list[Any]],
              pairs: list[tuple[str, str]] | None, judge_factory: Callable[[], Any] | None,
              notes: list[str]) -> list[dict[str, Any]]:
    from tuneline.eval.winrate import pairwise_winrate

    if not inputs.prompts:
        notes.append("winrate: no prompts to answer")
        return []
    if pairs is None:  # the run's result against where it started
        pairs = [(targets[-1].name, targets[0].name)] if len(targets) > 1 else []
    if not pairs:
        notes.append("winrate: needs two targets (e.g. the final stage and base)")
        return []
    if judge_factory is None:
        notes.append("winrate: no judge configured (train a reward stage, or set judge: in the eval config)")
        return []
    judge = judge_factory()
    results = []
    prompts = [c.messages for c in inputs.prompts]
    for a, b in pairs:
        with status(f"judging {a} vs {b} with {judge.name} ({len(prompts)} prompts × 2 orders)"):
            result, _ = pairwise_winrate(judge, prompts, [g.text for g in generations[a]],
                                         [g.text for g in generations[b]], a, b)
        if getattr(judge, "unparsed", 0):
            notes.append(f"winrate: {judge.unparsed} judge replies named no verdict and counted as ties")
        results.append(result.to_dict())
    return results


def reward_model_preference(reward_source, preferences: list[Preference]) -> dict[str, float]:
    """Held-out preference accuracy and mean margin under a reward model."""
    from tuneline.eval.metrics import pairwise_metrics

    prompts = [p.prompt for p in preferences]
    chosen = reward_source(prompts, [p.chosen[-1]["content"] for p in preferences])
    rejected = reward_source(prompts, [p.rejected[-1]["content"] for p in preferences])
    metrics = pairwise_metrics(chosen, rejected)
    return {"preference_accuracy": metrics["pairwise_accuracy"], "reward_margin": metrics["mean_margin"],
            "chosen_reward": metrics["chosen_reward_mean"], "rejected_reward": metrics["rejected_reward_mean"],
            "pairs": len(preferences)}


def classification_suite(classifier: Target, labeled: list[LabeledText], out_dir: Path, batch_size: int,
                         max_length: int) -> dict[str, Any]:
    """Accuracy, F1 and confusion (the classify stage's metrics) of a saved sequence classifier."""
    from tuneline.eval.classification import evaluate_predictions
    from tuneline.models import classifier as cls
    from tuneline.models.load import resolve_artifact

    if not labeled:
        return {}
    model, tokenizer, labels, multi, threshold = cls.load_saved_classifier(resolve_artifact(classifier.reference).path)
    texts = [r.text for r in labeled]
    logits = cls.predict_logits(model, cls.tokenize_texts(tokenizer, texts, max_length), tokenizer.pad_token_id,
                                batch_size)
    predicted = cls.decide_labels(cls.probabilities_from_logits(logits, multi), labels, multi, threshold)
    metrics = evaluate_predictions([r.label for r in labeled], predicted, texts, labels, out_dir=out_dir,
                                   name=classifier.name, multi_label=multi)
    info(f"{classifier.name}: accuracy {metrics.get('accuracy', 0):.3f} on {len(texts)} held-out texts")
    return {k: v for k, v in metrics.items() if isinstance(v, (int, float))}
