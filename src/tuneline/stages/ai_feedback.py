"""Stage `ai_feedback` (RLAIF, Bai et al. 2022 §4; Lee et al. 2023): preference pairs
labelled by a judge instead of people.

For each prompt the model samples `samples` answers; the judge compares each pair of
them under `principles_per_pair` principles drawn from the constitution, in both orders
(feedback/judge.py: P(x ≻ y) from the judge's A/B log-probabilities, or its words for an
endpoint), and the pair whose preference is clearest becomes a record with its soft
label. Pairs whose P(x ≻ y) lies within `min_margin` of ½ are dropped (the judge cannot
tell). Writes preferences.jsonl (prompt, chosen, rejected, p_chosen_better, principles,
judge) in the stage folder, for a `reward` or `dpo` stage: `datasets: {ai: {stage: ai_feedback}}`.

With `reference_answers: true` the dataset is preference pairs and each record's chosen answer
joins the sampled ones as a candidate, first, so a tie of clearest pairs goes to it: with
`judge: {type: refusal, prefer: answer}` on benign prompts, the pairs are (the written answer,
the model's own refusal): on-policy rejected answers against over-refusal.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tuneline.feedback.options import FeedbackStageConfig
from tuneline.stages.contract import StageContract

CONTRACT = StageContract(
    summary="RLAIF: sample answers, let a judge compare them under a constitution, write preference pairs",
    reads="prompt",
    writes="dataset",
    continues=("policy",),
)


class Config(FeedbackStageConfig):
    type: Literal["ai_feedback"] = "ai_feedback"
    samples: int = Field(2, ge=2, le=8, description="answers sampled per prompt; every pair of them is judged")
    principles_per_pair: int = Field(2, ge=1, description="principles each comparison is asked under (ensembled)")
    min_margin: float = Field(0.05, ge=0, lt=0.5, description="drop a pair whose P(chosen better) is below ½ + this")
    reference_answers: bool = Field(
        False, description="the dataset is preference pairs and each record's chosen answer is a candidate beside the "
                           "samples (listed first, so it wins ties): pairs of a written answer and the model's own")


def run(ctx, config: Config) -> dict:
    import itertools
    import random

    from tuneline.eval.generate import generate_chat
    from tuneline.feedback.constitution import load_constitution
    from tuneline.feedback.options import generation_dtype, in_dtype, write_rows
    from tuneline.progress import info
    from tuneline.safety.detectors import stage_pair_judge

    constitution = load_constitution(config.constitution)
    if config.reference_answers:
        records = ctx.dataset("preference").train[: config.max_prompts]
        prompts = [r.prompt for r in records]
        references = [[" ".join(m["content"] for m in r.chosen if m["role"] == "assistant")] for r in records]
    else:
        prompts = [p.messages for p in ctx.dataset("prompt").train[: config.max_prompts]]
        references = [[] for _ in prompts]
    dtype = generation_dtype(config.dtype)
    model, tokenizer = ctx.load_policy(trainable=False)
    model = in_dtype(model, dtype)
    rng = random.Random(ctx.seed)
    repeated = [p for p in prompts for _ in range(config.samples)]
    texts = [g.text for g in generate_chat(model, tokenizer, repeated, max_new_tokens=config.max_new_tokens,
                                           temperature=config.temperature or 0.7, batch_size=config.batch_size)]
    answers = [texts[i * config.samples:(i + 1) * config.samples] for i in range(len(prompts))]
    items, owners, principles = [], [], []
    for index, (prompt, sampled) in enumerate(zip(prompts, answers, strict=True)):
        candidates = dict.fromkeys(references[index] + sampled)  # identical answers make no pair
        for x, y in itertools.combinations(candidates, 2):
            items.append((prompt, x, y))
            owners.append(index)
            principles.append(rng.sample(constitution.principles,
                                         min(config.principles_per_pair, len(constitution.principles))))
    judge = stage_pair_judge(config.judge, model, tokenizer, config.batch_size, where=f"stages.{config.name}")
    verdicts = judge.compare(items, principles)
    best: dict[int, dict] = {}
    for (prompt, x, y), owner, used, verdict in zip(items, owners, principles, verdicts, strict=True):
        if verdict is None or abs(verdict.prefer_first - 0.5) <= config.min_margin:
            continue
        chosen, rejected, p = (x, y, verdict.prefer_first) if verdict.prefer_first > 0.5 else \
            (y, x, 1 - verdict.prefer_first)
        if owner not in best or p > best[owner]["p_chosen_better"]:
            best[owner] = {"prompt": prompt, "chosen": [{"role": "assistant", "content": chosen}],
                           "rejected": [{"role": "assistant", "content": rejected}],
                           "p_chosen_better": round(p, 4), "orders_agree": verdict.orders_agree,
                           "principles": [q.name for q in used], "judge": judge.name,
                           **({"chosen_is_reference": chosen in references[owner]} if config.reference_answers else {})}
    rows = [best[i] for i in sorted(best)]
    if not rows:
        from tuneline.errors import DataError

        raise DataError(f"the judge could tell no pair apart over {len(prompts)} prompts ({len(items)} pairs; "
                        f"{judge.unreadable} unreadable judgements)", where=f"stages.{config.name}",
                        fix="sample more answers, raise the temperature, lower min_margin, or use another judge")
    write_rows(ctx.stage_dir / "preferences.jsonl", rows)
    info(f"{len(rows)} preference pairs from {len(prompts)} prompts ({len(items)} pairs judged by {judge.name}; "
         f"{judge.unreadable} unreadable judgements skipped)")
    return {"prompts": len(prompts), "pairs_judged": len(items), "pairs_written": len(rows),
            "unreadable_judgements": judge.unreadable,
            "mean_p_chosen_better": round(sum(r["p_chosen_better"] for r in rows) / len(rows), 4),
            "orders_agree_share": round(sum(r["orders_agree"] for r in rows) / len(rows), 4),
            **({"chosen_is_reference": sum(r["chosen_is_reference"] for r in rows)} if config.reference_answers else {}),
            "dtype": str(next(model.parameters()).dtype).removeprefix("torch.")}
