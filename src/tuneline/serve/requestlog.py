"""Every request and its answer, in SQLite: the raw material of the feedback loop and of
`tuneline monitor`. One table, one row per request, written when the request ends."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    endpoint TEXT NOT NULL,
    requested_model TEXT,
    adapter TEXT,
    route_reason TEXT,
    route_confidence REAL,
    messages TEXT,
    prompt_text TEXT,
    completion TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    finish_reason TEXT,
    status INTEGER NOT NULL,
    error TEXT,
    latency_ms REAL,
    stream INTEGER
)"""

COLUMNS = ["id", "created", "endpoint", "requested_model", "adapter", "route_reason", "route_confidence",
           "messages", "prompt_text", "completion", "prompt_tokens", "completion_tokens", "finish_reason",
           "status", "error", "latency_ms", "stream"]


class RequestLog:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # WAL lets `tuneline monitor` read while the server writes.
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(SCHEMA)
        self._db.commit()

    def write(self, **row: Any) -> None:
        row.setdefault("created", time.time())
        if isinstance(row.get("messages"), (list, dict)):
            row["messages"] = json.dumps(row["messages"], ensure_ascii=False)
        values = [row.get(column) for column in COLUMNS]
        with self._lock:
            self._db.execute(f"INSERT OR REPLACE INTO requests ({', '.join(COLUMNS)}) "
                             f"VALUES ({', '.join('?' * len(COLUMNS))})", values)
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


def read_requests(path: str | Path, status: int | None = 200) -> list[dict[str, Any]]:
    """Logged requests (only those answered with `status`, unless None), oldest first."""
    db = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        query = "SELECT * FROM requests" + (" WHERE status = ?" if status is not None else "") + " ORDER BY created"
        return [dict(row) for row in db.execute(query, (status,) if status is not None else ())]
    finally:
        db.close()
