"""The store on SQLite and on a real PostgreSQL server: assignment, votes (idempotent,
owner-only), tokens, concurrency, and the export to preference rows."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from tuneline.data.annotations.export import preference_rows
from tuneline.data.annotations.schema import tokens
from tuneline.data.annotations.store import AnnotationError, Assignment, NewItem


def _item(name: str, *answers: str) -> NewItem:
    return NewItem(name, [{"role": "user", "content": f"question {name}"}], list(answers),
                   [f"model-{i}" for i in range(len(answers))])


def slot_of(assignment: Assignment, text: str) -> int:
    return next(shown["slot"] for shown in assignment.shown if shown["text"] == text)


def test_every_item_gets_overlap_annotators_least_loaded_first(store):
    assert store.add_items([_item(f"q{i}", "a", "b") for i in range(4)]) == (4, 0)
    assert store.add_items([_item("q0", "a", "b")]) == (0, 1)  # the same external id is not added twice
    assert store.assign(["ann", "bob", "cid"], overlap=2) == 8
    assert store.assign(["ann", "bob", "cid"], overlap=2) == 0  # already covered
    progress = store.progress()
    assert sorted(counts["total"] for counts in progress.values()) == [2, 3, 3]
    seen = {}
    for name in progress:
        while (assignment := store.next_assignment(name)) is not None:
            seen.setdefault(assignment.external_id, []).append(name)
            store.submit(name, assignment.id, f"{name}-{assignment.id}", "skip")
    assert sorted(seen) == ["q0", "q1", "q2", "q3"]
    assert all(len(set(names)) == 2 for names in seen.values())


def test_a_vote_is_stored_by_answer_position_whatever_the_shown_order(store):
    store.add_items([_item(f"q{i}", "good", "bad") for i in range(12)])
    store.assign(["ann"], overlap=1, seed=3)
    lefts = set()
    while (assignment := store.next_assignment("ann")) is not None:
        lefts.add(assignment.shown[0]["text"])
        store.submit("ann", assignment.id, f"s{assignment.id}", "win", [slot_of(assignment, "good")])
    assert lefts == {"good", "bad"}  # the order is random per assignment
    assert [vote.ranking for vote in store.votes()] == [[0, 1]] * 12  # "good" is position 0 in every item


def test_retried_submit_is_a_no_op_and_others_assignments_are_refused(store):
    store.add_items([_item("q0", "a", "b"), _item("q1", "a", "b")])
    store.assign(["ann", "bob"], overlap=1)
    mine = store.next_assignment("ann")
    first = store.submit("ann", mine.id, "sub-1", "win", [0], checklist=["cites a source"], seconds=4.5)
    assert first[1] is False
    assert store.submit("ann", mine.id, "sub-1", "win", [0]) == (first[0], True)
    assert store.vote_count() == 1
    with pytest.raises(AnnotationError) as refused:
        store.submit("ann", mine.id, "sub-2", "win", [1])
    assert refused.value.status == 409
    theirs = store.next_assignment("bob")
    for attempt in (lambda: store.assignment_for(theirs.id, "ann"),
                    lambda: store.submit("ann", theirs.id, "sub-3", "win", [0]),
                    lambda: store.submit("ann", theirs.id, "sub-1", "win", [0])):
        with pytest.raises(AnnotationError) as forbidden:
            attempt()
        assert forbidden.value.status in (403, 409)
    assert store.vote_count() == 1
    vote = store.votes()[0]
    assert (vote.checklist, vote.seconds) == (["cites a source"], 4.5)
    with pytest.raises(AnnotationError):
        store.submit("bob", theirs.id, "sub-4", "ranking", [0, 1])  # a pairwise item takes win/tie/both_bad/skip


def test_tokens_are_stored_as_hashes_only(store):
    old = store.issue_token("ann")
    assert store.who(old) == ("ann", "annotator")
    new = store.issue_token("ann")
    assert store.who(old) is None and store.who(new) == ("ann", "annotator")
    with store.engine.connect() as connection:
        stored = connection.execute(select(tokens.c.token_sha256)).scalars().all()
    assert new not in stored and len(stored) == 1


def test_concurrent_annotators_with_retries_store_each_vote_once(store):
    names = [f"ann{i}" for i in range(6)]
    store.add_items([_item(f"q{i}", "a", "b") for i in range(60)])
    store.assign(names, overlap=1)
    failures = []

    def annotate(name: str) -> None:
        try:
            while (assignment := store.next_assignment(name)) is not None:
                for _retry in range(2):  # every submit is sent twice, as a client that lost the answer would
                    store.submit(name, assignment.id, f"{name}:{assignment.id}", "win", [0])
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=annotate, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert store.vote_count() == 60
    assert all(counts["done"] == 10 for counts in store.progress().values())


def test_export_counts_votes_per_answer_pair(store):
    store.add_items([_item("agree", "x", "y"), _item("split", "x", "y"), _item("rank", "p", "q", "r")])
    names = ["ann", "bob", "cid"]
    store.assign(names, overlap=3)

    def vote(name, item, outcome, texts=()):
        assignment = next(a for a in iter(lambda: store.next_assignment(name), None) if a.external_id == item)
        store.submit(name, assignment.id, f"{name}-{item}", outcome, [slot_of(assignment, t) for t in texts])

    vote("ann", "agree", "win", ["x"]), vote("bob", "agree", "win", ["x"]), vote("cid", "agree", "tie")
    vote("ann", "split", "tie"), vote("bob", "split", "both_bad"), vote("cid", "split", "skip")
    vote("ann", "rank", "ranking", ["r", "p"])  # r > p > q (the last is implied)
    vote("bob", "rank", "skip"), vote("cid", "rank", "skip")
    rows = preference_rows(store)
    pairs = [(row["provenance"]["item"], row["chosen"][0]["content"], row["rejected"][0]["content"]) for row in rows]
    # "split" has only a tie and a both-bad: no preference; the ranking gives its 3 pairs
    assert pairs == [("agree", "x", "y"), ("rank", "p", "q"), ("rank", "r", "p"), ("rank", "r", "q")]
    agree = rows[0]["provenance"]
    assert agree["votes"] == {"chosen": 2, "rejected": 0, "tie": 1, "both_bad": 0}
    assert (agree["annotators"], agree["strength"], agree["chosen_model"]) == (names, 1.0, "model-0")
    soft = preference_rows(store, ties="soft")
    # the tie counts half for each side: x 2.5, y 0.5 → strength 2.5 / 3
    assert soft[0]["provenance"]["strength"] == pytest.approx(2.5 / 3)
    assert len(soft) == 4  # "split": a tie (0.5 each) and a both-bad (neither) stay level
