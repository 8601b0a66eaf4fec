"""Load and faults against a real server process: 20 annotators × 50 votes over HTTP,
every vote sent again as a client that lost the answer would, and the server killed with
SIGKILL mid-load and restarted: exactly 1,000 votes, none twice, none acknowledged lost."""

from __future__ import annotations

import signal
import threading
import time

import httpx

from support.annotate_server import start_annotate_server as _start
from support.postgres import free_port
from tuneline.data.annotations.store import AnnotationStore, NewItem

ANNOTATORS, VOTES_EACH = 20, 50


def test_concurrent_votes_survive_retries_and_a_killed_server(tmp_path):
    names = [f"ann{i:02d}" for i in range(ANNOTATORS)]
    (tmp_path / "annotate.yaml").write_text(f"database: sqlite:///votes.db\nannotators: [{', '.join(names)}]\n")
    store = AnnotationStore(f"sqlite:///{tmp_path / 'votes.db'}")
    store.add_items([NewItem(f"q{i}", [{"role": "user", "content": f"question {i}"}], ["a", "b"])
                     for i in range(ANNOTATORS * VOTES_EACH)])
    store.assign(names, overlap=1)
    tokens = {name: store.issue_token(name) for name in names}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start(tmp_path / "annotate.yaml", port)
    acknowledged: set[str] = set()
    lock = threading.Lock()
    failures: list[str] = []

    def until_answered(client: httpx.Client, method: str, path: str, **kwargs) -> httpx.Response:
        for _ in range(600):  # the server may be down for a moment: retry, as a browser's user would
            try:
                response = client.request(method, path, **kwargs)
                if response.status_code < 500:
                    return response
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"{method} {path} never answered")

    def annotate(name: str) -> None:
        try:
            with httpx.Client(base_url=base, headers={"authorization": f"Bearer {tokens[name]}"}, timeout=10) as client:
                for count in range(VOTES_EACH + 1):
                    assignment = until_answered(client, "GET", "/api/next").json()["assignment"]
                    if assignment is None:
                        assert count == VOTES_EACH, f"{name} ran out after {count} votes"
                        return
                    submission = f"{name}:{assignment['id']}"
                    vote = {"submission_id": submission, "outcome": "win", "slots": [count % 2]}
                    for _attempt in range(2 if count % 5 == 0 else 1):  # every fifth vote is sent twice
                        answer = until_answered(client, "POST", f"/api/assignments/{assignment['id']}/vote", json=vote)
                        assert answer.status_code == 200, answer.text
                    with lock:
                        acknowledged.add(submission)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(f"{name}: {exc!r}")

    threads = [threading.Thread(target=annotate, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    while len(acknowledged) < 300:
        time.sleep(0.01)
    server.send_signal(signal.SIGKILL)
    server.wait()
    with lock:
        before_kill = set(acknowledged)
    server = _start(tmp_path / "annotate.yaml", port)
    try:
        for thread in threads:
            thread.join(timeout=300)
    finally:
        server.kill()
        server.wait()
    assert failures == []
    votes = store.votes()
    with store.engine.connect() as connection:
        stored = {row[0] for row in connection.exec_driver_sql("SELECT submission_id FROM votes")}
    assert len(votes) == ANNOTATORS * VOTES_EACH
    assert len(stored) == len(votes) and len({vote.item_id for vote in votes}) == len(votes)  # none twice
    assert before_kill <= stored and acknowledged == stored  # nothing acknowledged was lost
    store.close()
