"""Annotation database URLs (no SQLAlchemy import, so the data loader stays light)."""

from __future__ import annotations

from pathlib import Path


def database_url(url: str, base: Path | None = None) -> str:
    """A SQLAlchemy URL: a relative SQLite path is made relative to `base` (the config's
    folder), and a bare postgresql:// URL goes through psycopg (version 3)."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and base is not None:
        relative = url[len("sqlite:///"):]
        if relative and relative != ":memory:":
            return f"sqlite:///{(base / relative).resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_database_url(value: str) -> bool:
    return value.startswith(("sqlite:", "postgresql:", "postgresql+", "postgres:"))
