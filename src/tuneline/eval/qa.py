"""The `qa` eval suite: a domain assistant on held-out questions about its documents.

For each target's greedy answer to each held-out question:

- correct (judge): a chat model reads question, reference answer and the answer,
  and is asked "same facts as the reference?" (eval/choices.py: P(yes) from log-probabilities,
  no parsing). A small judge says yes to nearly anything, so each question's threshold is
  calibrated: halfway between the judge's P(yes) for the reference answer itself and for
  another question's reference answer. Where the judge does not say yes more to the
  reference than to the wrong answer it cannot tell right from wrong on that question, and
  gives no verdict: correct_judge is over the questions it can judge (`judge_questions`;
  `judge_discriminates` is their share);
- correct (facts): for questions whose record lists `facts` (hand-written key strings, e.g.
  "50 GB"), the answer contains every one (case-insensitive, whole words) and does not decline;
  facts the question itself states are not counted;
- correct (similarity): cosine of the answer's and the reference's MiniLM embeddings is at
  least `similarity_threshold` (and its mean);
- abstention: on questions the docs do not answer, the answer declines (it is close to the
  taught "not in the documentation" answer, or says so in words);
- hallucination: an answer that neither is correct nor declines, over all questions
  (answerable and not), i.e. a confident wrong answer. "Correct" here is the fact check
  where the question lists facts, else the judge's verdict, else the similarity.

Shares come with 95% Wilson intervals (eval/significance.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tuneline.data.records import Conversation, Message
from tuneline.eval.significance import wilson_interval

DECLINES = re.compile(r"not (covered|mentioned|described|documented|in the (documentation|docs))|"
                      r"(can't|cannot|can not|unable to) (answer|find|say)|don't know|no information", re.I)


@dataclass
class QACase:
    messages: list[Message]  # the question (and any system turn), without the answer
    reference: str
    passage: str
    answerable: bool
    facts: tuple[str, ...] = ()


def qa_cases(conversations: list[Conversation], rows: dict[str, dict[str, Any]]) -> list[QACase]:
    """Held-out conversations whose question appears in `rows` (question → the synth row,
    with passage and answerable); others (e.g. mixed-in general data) are left out."""
    cases = []
    for conversation in conversations:
        messages = list(conversation.messages)
        if len(messages) < 2 or messages[-1]["role"] != "assistant":
            continue
        reference = messages.pop()["content"]
        question = messages[-1]["content"].strip()
        row = rows.get(question)
        if row is not None:
            # a fact the question already states ("Are the boots waterproof?") proves nothing when echoed
            facts = tuple(fact for fact in row.get("facts") or () if not states_facts(question, (fact,)))
            cases.append(QACase(messages, reference, row.get("passage") or "", bool(row.get("answerable", True)),
                                facts))
    return cases


def synth_rows(path: str) -> dict[str, dict[str, Any]]:
    """question → row, for the rows of a JSONL file that carry a passage (synth output)."""
    from tuneline.data.readers import RawRow, read_rows

    rows = {}
    for item in read_rows(path, "jsonl"):
        if isinstance(item, RawRow) and "passage" in item.data and isinstance(item.data.get("messages"), list):
            questions = [m.get("content") for m in item.data["messages"] if isinstance(m, dict) and m.get("role") == "user"]
            if questions and isinstance(questions[-1], str):
                rows[questions[-1].strip()] = item.data
    return rows


def judge_prompt(case: QACase, answer: str) -> list[Message]:
    """Question, reference and candidate: the reference carries the passage's facts, and
    leaving the passage out makes the prompt ~4x shorter (the judge reads it 5 times a run)."""
    return [{"role": "user", "content":
             f"Question: {case.messages[-1]['content']}\n"
             f"Reference answer: {case.reference}\nCandidate answer: {answer}\n\n"
             "Does the candidate answer give the same facts as the reference answer? Reply yes or no."}]


def states_facts(answer: str, facts: tuple[str, ...]) -> bool:
    """Every fact appears in the answer as whole words ("4" is not found in "14 days"),
    ignoring case and runs of whitespace."""
    text = " ".join(answer.lower().split())
    for fact in facts:
        pattern = re.escape(" ".join(fact.lower().split()))
        if not re.search(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])", text):
            return False
    return True


def declines(answer: str, similarity_to_abstain: float, threshold: float) -> bool:
    return bool(DECLINES.search(answer)) or similarity_to_abstain >= threshold


def share(flags: list[bool], name: str) -> dict[str, float]:
    low, high = wilson_interval(sum(flags), len(flags))
    return {name: sum(flags) / len(flags) if flags else float("nan"), f"{name}_ci_low": low, f"{name}_ci_high": high}


def score_answers(cases: list[QACase], answers: list[str], judged_yes: list[bool | None], similarity: list[float],
                  abstain_similarity: list[float], similarity_threshold: float) -> dict[str, float]:
    """The suite's numbers for one target (judge verdicts, None where the judge cannot tell,
    and similarities already computed)."""
    answerable = [i for i, case in enumerate(cases) if case.answerable]
    unanswerable = [i for i, case in enumerate(cases) if not case.answerable]
    declined = [declines(answers[i], abstain_similarity[i], similarity_threshold) for i in range(len(cases))]
    similar = [value >= similarity_threshold for value in similarity]
    stated = [states_facts(answers[i], cases[i].facts) if cases[i].facts else None for i in range(len(cases))]
    judged = [i for i in answerable if judged_yes[i] is not None]
    metrics: dict[str, float] = {"questions": len(answerable), "unanswerable_questions": len(unanswerable),
                                 "judge_questions": len(judged)}
    if judged:
        metrics.update(share([bool(judged_yes[i]) and not declined[i] for i in judged], "correct_judge"))
    if answerable:
        metrics.update(share([similar[i] for i in answerable], "correct_similarity"))
        metrics["mean_similarity"] = sum(similarity[i] for i in answerable) / len(answerable)
        metrics["false_abstention"] = sum(declined[i] for i in answerable) / len(answerable)
        with_facts = [i for i in answerable if stated[i] is not None]
        if with_facts:
            metrics.update(share([bool(stated[i]) and not declined[i] for i in with_facts], "correct_facts"))
    if unanswerable:
        metrics.update(share([declined[i] for i in unanswerable], "abstention"))

    def correct(i: int) -> bool:
        for verdict in (stated[i], judged_yes[i]):
            if verdict is not None:
                return verdict
        return similar[i]

    wrong = [not declined[i] and (not correct(i) if cases[i].answerable else True) for i in range(len(cases))]
    metrics.update(share(wrong, "hallucination"))
    return metrics


def calibrated_verdicts(candidate: list[float], reference: list[float], other: list[float]) -> list[bool | None]:
    """P(yes | candidate) above the midpoint of P(yes | reference) and P(yes | a wrong answer);
    None where the judge is not surer of the reference than of the wrong answer."""
    return [c > (r + o) / 2 if r > o else None for c, r, o in zip(candidate, reference, other, strict=True)]


def score_qa(cases: list[QACase], answers: dict[str, list[str]], judge, similarity_threshold: float,
             abstain_answer: str, batch_size: int = 8) -> dict[str, dict[str, float]]:
    """{target: numbers}; `judge` is (model, tokenizer) of the yes/no judge."""
    import numpy as np

    from tuneline.eval.choices import yes_probability
    from tuneline.models.embed import embed_texts

    references = embed_texts([case.reference for case in cases])
    abstain = embed_texts([abstain_answer])[0]
    model, tokenizer = judge
    asked = [i for i, case in enumerate(cases) if case.answerable]

    def judged(items: list[tuple[int, str]], desc: str) -> list[float]:
        return yes_probability(model, tokenizer, [judge_prompt(cases[i], reply) for i, reply in items],
                               batch_size=batch_size, desc=desc)

    on_reference = judged([(i, cases[i].reference) for i in asked], "judge calibration (references)")
    # another question's reference answer: wrong for this question (the next one, cyclically)
    on_other = judged([(i, cases[asked[(k + 1) % len(asked)]].reference) for k, i in enumerate(asked)],
                      "judge calibration (wrong answers)")
    # only questions where the judge tells the reference from a wrong answer get a verdict
    usable = [k for k in range(len(asked)) if on_reference[k] > on_other[k]]
    results = {}
    for target, texts in answers.items():
        vectors = embed_texts([text or " " for text in texts])
        similarity = np.sum(vectors * references, axis=1).tolist()
        abstain_similarity = (vectors @ abstain).tolist()
        scores = judged([(asked[k], texts[asked[k]]) for k in usable], f"judging {target}'s answers")
        verdicts = calibrated_verdicts(scores, [on_reference[k] for k in usable], [on_other[k] for k in usable])
        judged_yes: list[bool | None] = [None] * len(cases)
        for k, verdict in zip(usable, verdicts, strict=True):
            judged_yes[asked[k]] = verdict
        results[target] = score_answers(cases, texts, judged_yes, similarity, abstain_similarity,
                                        similarity_threshold)
        if asked:
            results[target]["judge_discriminates"] = len(usable) / len(asked)
    return results
