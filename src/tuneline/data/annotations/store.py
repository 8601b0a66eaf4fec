"""The annotation store: items to compare, who sees which, and the votes, on any SQLAlchemy
database (SQLite by default; PostgreSQL through psycopg for a team).

Votes are durable and idempotent: each submit carries a client-made `submission_id`
(unique in the table), is committed before the caller hears back, and a retry of an
acknowledged submit finds the stored vote instead of writing a second one. On SQLite the
database runs in WAL mode with a busy timeout, and every write transaction starts with
BEGIN IMMEDIATE, so concurrent writers queue instead of failing on a lock upgrade.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.exc import IntegrityError

from tuneline.data.annotations.schema import answers, assignments, items, metadata, tokens, votes
from tuneline.data.annotations.urls import database_url
from tuneline.errors import UserError

KINDS = ("pairwise", "ranking", "rating")
OUTCOMES = ("win", "tie", "both_bad", "ranking", "rating", "skip")
OUTCOMES_FOR_KIND = {"pairwise": {"win", "tie", "both_bad", "skip"}, "ranking": {"ranking", "skip"},
                     "rating": {"rating", "skip"}}


class AnnotationError(UserError):
    """A request the store refuses; `status` is the HTTP status the web app answers with."""

    status = 400

    def __init__(self, message: str, status: int = 400, fix: str | None = None):
        super().__init__(message, fix=fix)
        self.status = status


@dataclass
class NewItem:
    """A prompt and its candidate answers, as `annotate add` and `annotate generate` make them."""

    external_id: str
    prompt: list[dict[str, Any]]
    answers: list[str]
    models: list[str] = field(default_factory=list)  # who wrote each answer ("" when unknown)
    source: str = ""

    @property
    def kind(self) -> str:
        return {1: "rating", 2: "pairwise"}.get(len(self.answers), "ranking")


@dataclass
class Assignment:
    """One item as one annotator sees it: answers in the shown (random) order."""

    id: int
    item_id: int
    external_id: str
    kind: str
    prompt: list[dict[str, Any]]
    shown: list[dict[str, Any]]  # [{"slot": 0, "text": ...}, ...] left to right; positions stay server-side
    status: str


@dataclass
class VoteRow:
    item_id: int
    annotator: str
    outcome: str
    ranking: list[int] | None
    rating: int | None
    checklist: list[str]
    seconds: float | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _sqlite_engine(url: str) -> Engine:
    path = url[len("sqlite:///"):]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # NORMAL in WAL mode: a committed transaction survives a killed process (not a power cut)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class AnnotationStore:
    def __init__(self, url: str, base: Path | None = None):
        self.url = database_url(url, base)
        try:
            self.engine = _sqlite_engine(self.url) if self.url.startswith("sqlite") else create_engine(
                self.url, pool_size=10, max_overflow=20)
            metadata.create_all(self.engine)
        except Exception as exc:  # noqa: BLE001 - drivers raise their own kinds; all mean "cannot open"
            raise UserError(f"cannot open the annotation database: {type(exc).__name__}: {str(exc)[:200]}",
                            where=url, fix="check the URL (sqlite:///annotations.db or "
                                           "postgresql://user:password@host/db) and that the server runs") from None
        self._writer = self.engine.execution_options(write=True)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._writer.begin() as connection:
            yield connection

    # --- tokens ------------------------------------------------------------------------

    def issue_token(self, name: str, role: str = "annotator") -> str:
        """A fresh random token for `name` (replacing any earlier one); only its hash is stored."""
        token = secrets.token_urlsafe(24)
        with self._write() as connection:
            connection.execute(tokens.delete().where(tokens.c.name == name))
            connection.execute(tokens.insert().values(name=name, role=role, token_sha256=hash_token(token),
                                                      created=time.time()))
        return token

    def who(self, token: str | None) -> tuple[str, str] | None:
        """(name, role) of a token, or None."""
        if not token:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(select(tokens.c.name, tokens.c.role)
                                     .where(tokens.c.token_sha256 == hash_token(token))).first()
        return (row.name, row.role) if row else None

    def token_names(self) -> dict[str, str]:
        with self.engine.connect() as connection:
            return {row.name: row.role for row in connection.execute(select(tokens.c.name, tokens.c.role))}

    # --- items and assignments -----------------------------------------------------------

    def add_items(self, new_items: Iterable[NewItem], chunk: int = 1000) -> tuple[int, int]:
        """Insert items (an external id already present is skipped). (added, skipped)."""
        added = skipped = 0
        now = time.time()
        with self._write() as connection:
            known = set(connection.execute(select(items.c.external_id)).scalars())
            batch: list[NewItem] = []
            for item in new_items:
                if item.external_id in known:
                    skipped += 1
                    continue
                known.add(item.external_id)
                batch.append(item)
                if len(batch) >= chunk:
                    added += self._insert(connection, batch, now)
                    batch = []
            added += self._insert(connection, batch, now)
        return added, skipped

    @staticmethod
    def _insert(connection: Connection, batch: list[NewItem], now: float) -> int:
        if not batch:
            return 0
        connection.execute(items.insert(), [
            {"external_id": item.external_id, "kind": item.kind, "source": item.source, "created": now,
             "prompt": json.dumps(item.prompt, ensure_ascii=False)} for item in batch])
        ids = dict(connection.execute(select(items.c.external_id, items.c.id)
                                      .where(items.c.external_id.in_([item.external_id for item in batch]))).all())
        connection.execute(answers.insert(), [
            {"item_id": ids[item.external_id], "position": position, "text": text,
             "model": item.models[position] if position < len(item.models) else ""}
            for item in batch for position, text in enumerate(item.answers)])
        return len(batch)

    def assign(self, annotators: list[str], overlap: int, seed: int = 0) -> int:
        """Give every item `overlap` annotators (fewer when there are fewer annotators), the
        least loaded first, each with its own random left-to-right order. Returns how many
        assignments were made; items already covered are left alone, so this can run again
        after annotators are added."""
        if not annotators:
            return 0
        rng = random.Random(seed)
        wanted = min(overlap, len(annotators))
        with self._write() as connection:
            load = Counter({name: 0 for name in annotators})
            load.update(connection.execute(select(assignments.c.annotator)).scalars())
            have: dict[int, set[str]] = {}
            for item_id, annotator in connection.execute(select(assignments.c.item_id, assignments.c.annotator)):
                have.setdefault(item_id, set()).add(annotator)
            sizes = dict(connection.execute(select(answers.c.item_id, func.count()).group_by(answers.c.item_id)).all())
            rows = []
            for item_id in connection.execute(select(items.c.id).order_by(items.c.id)).scalars():
                taken = have.get(item_id, set())
                free = sorted((name for name in annotators if name not in taken), key=lambda n: (load[n], n))
                for name in free[:max(0, wanted - len(taken))]:
                    order = list(range(sizes.get(item_id, 0)))
                    rng.shuffle(order)
                    rows.append({"item_id": item_id, "annotator": name, "shown_order": json.dumps(order),
                                 "status": "open"})
                    load[name] += 1
            for start in range(0, len(rows), 5000):
                connection.execute(assignments.insert(), rows[start:start + 5000])
        return len(rows)

    def next_assignment(self, annotator: str) -> Assignment | None:
        """The annotator's oldest open assignment, or None when they are done."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(assignments.c.id).where(assignments.c.annotator == annotator, assignments.c.status == "open")
                .order_by(assignments.c.id).limit(1)).first()
            return self._assignment(connection, row.id) if row else None

    def assignment_for(self, assignment_id: int, annotator: str) -> Assignment:
        """One assignment, only for the annotator it belongs to (403 otherwise)."""
        with self.engine.connect() as connection:
            owner = connection.execute(select(assignments.c.annotator)
                                       .where(assignments.c.id == assignment_id)).scalar()
            if owner is None:
                raise AnnotationError(f"no assignment {assignment_id}", status=404)
            if owner != annotator:
                raise AnnotationError(f"assignment {assignment_id} belongs to another annotator", status=403)
            return self._assignment(connection, assignment_id)

    def _assignment(self, connection: Connection, assignment_id: int) -> Assignment:
        row = connection.execute(
            select(assignments.c.id, assignments.c.item_id, assignments.c.shown_order, assignments.c.status,
                   items.c.external_id, items.c.kind, items.c.prompt)
            .join(items, items.c.id == assignments.c.item_id).where(assignments.c.id == assignment_id)).one()
        texts = dict(connection.execute(select(answers.c.position, answers.c.text)
                                        .where(answers.c.item_id == row.item_id)).all())
        order = json.loads(row.shown_order)
        shown = [{"slot": slot, "text": texts[position]} for slot, position in enumerate(order)]
        return Assignment(id=row.id, item_id=row.item_id, external_id=row.external_id, kind=row.kind,
                          prompt=json.loads(row.prompt), shown=shown, status=row.status)

    def progress(self, annotator: str | None = None) -> dict[str, dict[str, int]]:
        """Per annotator: {"open": n, "done": n, "skipped": n, "total": n}."""
        query = select(assignments.c.annotator, assignments.c.status, func.count()).group_by(
            assignments.c.annotator, assignments.c.status)
        if annotator is not None:
            query = query.where(assignments.c.annotator == annotator)
        out: dict[str, dict[str, int]] = {}
        with self.engine.connect() as connection:
            for name, status, count in connection.execute(query):
                counts = out.setdefault(name, {"open": 0, "done": 0, "skipped": 0, "total": 0})
                counts[status] = count
                counts["total"] += count
        return out

    # --- votes ---------------------------------------------------------------------------

    def submit(self, annotator: str, assignment_id: int, submission_id: str, outcome: str,
               slots: list[int] | None = None, rating: int | None = None, checklist: Iterable[str] = (),
               seconds: float | None = None) -> tuple[int, bool]:
        """Store one vote; (vote id, duplicate). `slots` name answers by where they were
        shown (0 = left): the winner for `win`, best to worst for `ranking` (the last may be
        left out). A retried submission id returns the first vote with duplicate=True."""
        if not submission_id or len(submission_id) > 64:
            raise AnnotationError("submission_id must be 1 to 64 characters", fix="send a fresh uuid per vote")
        if outcome not in OUTCOMES:
            raise AnnotationError(f"unknown outcome '{outcome}'", fix="use one of " + ", ".join(OUTCOMES))
        try:
            with self._write() as connection:
                earlier = self._earlier_vote(connection, submission_id, annotator, assignment_id)
                if earlier is not None:
                    return earlier, True
                row = connection.execute(select(assignments.c.annotator, assignments.c.item_id,
                                                assignments.c.shown_order, assignments.c.status, items.c.kind)
                                         .join(items, items.c.id == assignments.c.item_id)
                                         .where(assignments.c.id == assignment_id)).first()
                if row is None:
                    raise AnnotationError(f"no assignment {assignment_id}", status=404)
                if row.annotator != annotator:
                    raise AnnotationError(f"assignment {assignment_id} belongs to another annotator", status=403)
                if row.status != "open":
                    raise AnnotationError(f"assignment {assignment_id} is already {row.status}", status=409,
                                          fix="fetch the next item")
                ranking, rating = _check_vote(row.kind, outcome, json.loads(row.shown_order), slots, rating)
                vote_id = connection.execute(votes.insert().values(
                    submission_id=submission_id, assignment_id=assignment_id, item_id=row.item_id,
                    annotator=annotator, outcome=outcome, ranking=json.dumps(ranking) if ranking else None,
                    rating=rating, checklist=json.dumps(sorted(set(checklist)), ensure_ascii=False),
                    seconds=seconds, created=time.time())).inserted_primary_key[0]
                connection.execute(assignments.update().where(assignments.c.id == assignment_id)
                                   .values(status="skipped" if outcome == "skip" else "done"))
            return vote_id, False
        except IntegrityError:
            # A concurrent retry of the same submission won the race: answer with its vote.
            with self.engine.connect() as connection:
                earlier = self._earlier_vote(connection, submission_id, annotator, assignment_id)
            if earlier is None:
                raise AnnotationError(f"assignment {assignment_id} already has a vote", status=409) from None
            return earlier, True

    @staticmethod
    def _earlier_vote(connection: Connection, submission_id: str, annotator: str, assignment_id: int) -> int | None:
        row = connection.execute(select(votes.c.id, votes.c.annotator, votes.c.assignment_id)
                                 .where(votes.c.submission_id == submission_id)).first()
        if row is None:
            return None
        if row.annotator != annotator or row.assignment_id != assignment_id:
            raise AnnotationError("this submission_id was already used for another vote", status=409,
                                  fix="send a fresh uuid per vote")
        return row.id

    def votes(self) -> list[VoteRow]:
        """Every vote (skips included), in the order they were stored."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(votes).order_by(votes.c.id)).all()
        return [VoteRow(item_id=row.item_id, annotator=row.annotator, outcome=row.outcome,
                        ranking=json.loads(row.ranking) if row.ranking else None, rating=row.rating,
                        checklist=json.loads(row.checklist), seconds=row.seconds) for row in rows]

    def vote_count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(votes)).scalar_one()

    def items_with_answers(self, item_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """{item id: {"external_id", "kind", "prompt", "answers": [{"text", "model"}] by position}}."""
        wanted = sorted(set(item_ids))
        out: dict[int, dict[str, Any]] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                for row in connection.execute(select(items).where(items.c.id.in_(chunk))):
                    out[row.id] = {"external_id": row.external_id, "kind": row.kind,
                                   "prompt": json.loads(row.prompt), "source": row.source, "answers": {}}
                for row in connection.execute(select(answers).where(answers.c.item_id.in_(chunk))):
                    out[row.item_id]["answers"][row.position] = {"text": row.text, "model": row.model}
        return out

    def item_count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(items)).scalar_one()


def _check_vote(kind: str, outcome: str, order: list[int], slots: list[int] | None,
                rating: int | None) -> tuple[list[int] | None, int | None]:
    """(ranking by answer position, rating) of a vote, after checking it fits the item."""
    if outcome not in OUTCOMES_FOR_KIND[kind]:
        raise AnnotationError(f"a {kind} item takes {sorted(OUTCOMES_FOR_KIND[kind])}, not '{outcome}'")
    slots = list(slots or [])
    if any(not isinstance(slot, int) or not 0 <= slot < len(order) for slot in slots) or len(set(slots)) != len(slots):
        raise AnnotationError(f"slots must be distinct integers from 0 to {len(order) - 1}, got {slots}")
    if outcome == "win":
        if len(slots) != 1:
            raise AnnotationError("a win names one slot: the answer preferred (0 = left, 1 = right)")
        slots.append(1 - slots[0])
    if outcome == "ranking":
        if len(slots) == len(order) - 1:
            slots += [slot for slot in range(len(order)) if slot not in slots]
        if len(slots) != len(order):
            raise AnnotationError(f"a ranking orders all {len(order)} answers (best first)")
    if outcome == "rating":
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            raise AnnotationError(f"a rating is an integer from 1 to 5, got {rating!r}")
        return None, rating
    return ([order[slot] for slot in slots] if slots else None), None
