"""Votes → preference rows (prompt, chosen, rejected) with provenance.

Each pair of answers to one prompt that annotators judged becomes at most one row:
pairwise votes judge the pair directly, a ranking of k answers judges all k(k−1)/2 pairs
(the higher-ranked answer wins each). The votes on a pair are counted; the answer with
more wins is `chosen`.

Ties and both-bad votes:
- `ties: drop` (default): they are left out of the count; a pair judged only tie or
  both-bad, or with equal wins, gives no row.
- `ties: soft`: a tie counts half a win for each side (both-bad still counts for neither),
  and the row's `provenance.strength` is the chosen side's share of the counted votes
  (0.5 < strength ≤ 1). Training reads the row as a plain pair; the strength is there for
  tools that take soft labels and for filtering (`min_strength`).

Rating votes (single answers scored 1–5) give no pairs; `rating_rows` lists them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tuneline.data.annotations.agreement import judgments
from tuneline.data.annotations.store import AnnotationStore, VoteRow

TIE_POLICIES = ("drop", "soft")


def preference_rows(store: AnnotationStore, ties: str = "drop", min_strength: float = 0.0) -> list[dict[str, Any]]:
    """The database's preferences as rows in the `preference` format, with provenance."""
    if ties not in TIE_POLICIES:
        raise ValueError(f"ties must be one of {TIE_POLICIES}, not {ties!r}")
    votes = store.votes()
    table = {unit: by for unit, by in judgments(votes).items() if unit[1] != "rating"}
    item_data = store.items_with_answers(unit[0] for unit in table)
    rows = []
    for (item_id, first, second), by in sorted(table.items(), key=lambda pair: pair[0]):
        counts = Counter(by.values())
        tie_weight = 0.5 * counts["tie"] if ties == "soft" else 0.0
        score = {first: counts[first] + tie_weight, second: counts[second] + tie_weight}
        counted = score[first] + score[second]
        if counted == 0 or score[first] == score[second]:
            continue
        chosen, rejected = (first, second) if score[first] > score[second] else (second, first)
        strength = score[chosen] / counted
        if strength < min_strength:
            continue
        item = item_data[item_id]
        rows.append({
            "prompt": item["prompt"],
            "chosen": [{"role": "assistant", "content": item["answers"][chosen]["text"]}],
            "rejected": [{"role": "assistant", "content": item["answers"][rejected]["text"]}],
            "provenance": {
                "item": item["external_id"], "kind": item["kind"], "source": item["source"],
                "chosen_position": chosen, "rejected_position": rejected,
                "chosen_model": item["answers"][chosen]["model"], "rejected_model": item["answers"][rejected]["model"],
                "annotators": sorted(by),
                "votes": {"chosen": counts[chosen], "rejected": counts[rejected], "tie": counts["tie"],
                          "both_bad": counts["both_bad"]},
                "strength": strength, "ties": ties,
            },
        })
    return rows


def rating_rows(store: AnnotationStore) -> list[dict[str, Any]]:
    """One row per rated answer: prompt, completion, each annotator's rating and the mean."""
    votes: list[VoteRow] = [vote for vote in store.votes() if vote.outcome == "rating"]
    by_item: dict[int, dict[str, int]] = {}
    for vote in votes:
        by_item.setdefault(vote.item_id, {})[vote.annotator] = vote.rating
    item_data = store.items_with_answers(by_item)
    return [{"prompt": item_data[item_id]["prompt"],
             "completion": [{"role": "assistant", "content": item_data[item_id]["answers"][0]["text"]}],
             "ratings": ratings, "mean_rating": sum(ratings.values()) / len(ratings),
             "provenance": {"item": item_data[item_id]["external_id"], "model": item_data[item_id]["answers"][0]["model"]}}
            for item_id, ratings in sorted(by_item.items())]
