"""Stage `constitution`: critique and revise (Constitutional AI, Bai et al. 2022, §3).

For each prompt the model answers, then for `rounds` rounds critiques its latest answer
against a principle drawn at random and rewrites it. A pair (revision chosen, original
rejected) is kept only when the judge prefers the revision in both presentation orders,
under the principles that produced it. Writes, in the stage folder:

    preferences.jsonl   kept pairs, with their principles and the judge's P(revision ≻ original)
    sft.jsonl           the prompts with their kept revisions (an SFT dataset)
    all_pairs.jsonl     every pair before the judge's filter (to measure what the filter does)

A later stage reads them as a dataset: `datasets: {safe: {stage: constitution}}` (the
preference pairs; `path: sft.jsonl` for the revisions).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tuneline.feedback.options import FeedbackStageConfig
from tuneline.stages.contract import StageContract

CONTRACT = StageContract(
    summary="critique and revise answers against a written constitution; writes revisions and judge-filtered pairs",
    reads="prompt",
    writes="dataset",
    continues=("policy",),
)


class Config(FeedbackStageConfig):
    type: Literal["constitution"] = "constitution"
    rounds: int = Field(1, ge=1, le=4, description="critique-revision rounds per answer")
    keep: Literal["judged", "all"] = Field(
        "judged", description="judged: keep a pair only when the judge prefers the revision in both orders; all: keep "
                              "every pair whose revision differs from the original (for comparison)")


def run(ctx, config: Config) -> dict:
    import random

    from tuneline.eval.generate import generate_chat
    from tuneline.feedback.constitution import load_constitution
    from tuneline.feedback.options import generation_dtype, in_dtype, write_rows
    from tuneline.progress import info
    from tuneline.safety.detectors import stage_pair_judge

    constitution = load_constitution(config.constitution)
    prompts = [p.messages for p in ctx.dataset("prompt").train[: config.max_prompts]]
    dtype = generation_dtype(config.dtype)
    model, tokenizer = ctx.load_policy(trainable=False)
    model = in_dtype(model, dtype)
    rng = random.Random(ctx.seed)

    def answer(conversations):
        return [g.text for g in generate_chat(model, tokenizer, conversations, max_new_tokens=config.max_new_tokens,
                                              temperature=config.temperature, batch_size=config.batch_size)]

    originals = answer(prompts)
    current, used = list(originals), [[] for _ in prompts]
    for _ in range(config.rounds):
        drawn = [constitution.draw(rng) for _ in prompts]
        asked = [[*p, {"role": "assistant", "content": a}, {"role": "user", "content": d.critique}]
                 for p, a, d in zip(prompts, current, drawn, strict=True)]
        critiques = answer(asked)
        current = answer([[*c, {"role": "assistant", "content": k}, {"role": "user", "content": d.revision}]
                          for c, k, d in zip(asked, critiques, drawn, strict=True)])
        for principles, principle in zip(used, drawn, strict=True):
            principles.append(principle)
    judge = stage_pair_judge(config.judge, model, tokenizer, config.batch_size, where=f"stages.{config.name}")
    verdicts = judge.compare([(p, r, o) for p, r, o in zip(prompts, current, originals, strict=True)], used)
    rows = []
    for prompt, revision, original, principles, verdict in zip(prompts, current, originals, used, verdicts,
                                                              strict=True):
        rows.append({"prompt": prompt, "chosen": [{"role": "assistant", "content": revision}],
                     "rejected": [{"role": "assistant", "content": original}],
                     "principles": [p.name for p in principles],
                     "judge": judge.name, "p_revision_better": None if verdict is None else round(verdict.prefer_first, 4),
                     "orders_agree": None if verdict is None else verdict.orders_agree})
    changed = [row for row in rows if row["chosen"] != row["rejected"]]  # an unchanged answer makes no pair
    judged = [row for row in changed if row["orders_agree"] and row["p_revision_better"] > 0.5]
    kept = changed if config.keep == "all" else judged
    write_rows(ctx.stage_dir / "all_pairs.jsonl", rows)
    write_rows(ctx.stage_dir / "preferences.jsonl", kept)
    write_rows(ctx.stage_dir / "sft.jsonl", [{"messages": [*row["prompt"], *row["chosen"]]} for row in kept])
    if not kept:
        from tuneline.errors import DataError

        what = (f"none of the {len(rows)} revisions differs from its original answer" if config.keep == "all"
                else f"the judge kept none of {len(rows)} revisions")
        raise DataError(what, where=str(ctx.stage_dir / "all_pairs.jsonl"),
                        fix="read the pairs there; try more rounds, another judge, a higher temperature, or keep: all")
    info(f"the judge ({judge.name}) preferred {len(judged)}/{len(rows)} revisions in both orders; kept "
         f"{len(kept)} (keep: {config.keep})")
    # judge_kept: what the filter keeps, also under keep: all (to measure the filter in one run)
    return {"prompts": len(rows), "pairs_kept": len(kept), "kept_share": round(len(kept) / len(rows), 4),
            "judge_kept": len(judged), "judge_kept_share": round(len(judged) / len(rows), 4),
            "unchanged": sum(r["chosen"] == r["rejected"] for r in rows), "unreadable_judgements": judge.unreadable,
            "rounds": config.rounds, "dtype": str(next(model.parameters()).dtype).removeprefix("torch.")}
