"""The annotation database's tables (SQLAlchemy Core), portable between SQLite and PostgreSQL.

    items ─< answers          a prompt and the k answers to compare (pairwise k=2, ranking k≥3, rating k=1)
    items ─< assignments      which annotator sees which item, and in which order the answers are shown
    assignments ─< votes      one vote per assignment; `submission_id` is unique, so a retried submit is a no-op
    tokens                    sha256 of each annotator's (and the admin's) bearer token, never the token
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

items = Table(
    "items", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("external_id", String(200), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # pairwise | ranking | rating
    Column("prompt", Text, nullable=False),  # JSON list of messages
    Column("source", String(200), nullable=False, default=""),  # where the candidates came from
    Column("created", Float, nullable=False),
)

answers = Table(
    "answers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("position", Integer, nullable=False),  # 0..k-1 in the item; votes name answers by position
    Column("text", Text, nullable=False),
    Column("model", String(200), nullable=False, default=""),  # the model or adapter that wrote it
    UniqueConstraint("item_id", "position", name="uq_answer_position"),
)

assignments = Table(
    "assignments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("annotator", String(100), nullable=False),
    Column("shown_order", String(100), nullable=False),  # JSON: answer positions, left to right
    Column("status", String(10), nullable=False, default="open"),  # open | done | skipped
    UniqueConstraint("item_id", "annotator", name="uq_assignment"),
    Index("ix_assignment_queue", "annotator", "status", "id"),
)

votes = Table(
    "votes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("submission_id", String(64), nullable=False, unique=True),
    Column("assignment_id", Integer, ForeignKey("assignments.id"), nullable=False, unique=True),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("annotator", String(100), nullable=False),
    Column("outcome", String(10), nullable=False),  # win | tie | both_bad | ranking | rating | skip
    Column("ranking", String(200), nullable=True),  # JSON: answer positions best first (win: [winner, loser])
    Column("rating", Integer, nullable=True),
    Column("checklist", Text, nullable=False, default="[]"),  # JSON: the ticked checklist entries
    Column("seconds", Float, nullable=True),  # time on the item, as the page measured it
    Column("created", Float, nullable=False),
    Index("ix_votes_item", "item_id"),
)

tokens = Table(
    "tokens", metadata,
    Column("name", String(100), primary_key=True),
    Column("role", String(10), nullable=False),  # annotator | admin
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created", Float, nullable=False),
)
