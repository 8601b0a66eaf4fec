"""Fixtures of the annotation tests: one store per test on SQLite or on a real PostgreSQL
server (started once per session)."""

from __future__ import annotations

import itertools

import pytest

from support.postgres import postgres_server
from tuneline.data.annotations.store import AnnotationStore

_databases = itertools.count()


@pytest.fixture(scope="session")
def postgres_url():
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'annotations.db'}"
    else:
        import psycopg

        server = request.getfixturevalue("postgres_url")
        name = f"annotations_{next(_databases)}"
        with psycopg.connect(server.replace("postgresql://", "postgresql://", 1), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        url = server.rsplit("/", 1)[0] + f"/{name}"
    store = AnnotationStore(url)
    yield store
    store.close()
