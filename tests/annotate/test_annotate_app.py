"""The web app's access rules and the path from votes to a pipeline dataset."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tuneline.annotate.app import create_app
from tuneline.annotate.config import load_annotate_config
from tuneline.data.annotations.store import AnnotationStore, NewItem
from tuneline.data.load import load_splits
from tuneline.errors import ConfigError
from tuneline.pipeline.load import load_pipeline


@pytest.fixture
def app_setup(tmp_path):
    (tmp_path / "rules.md").write_text("Prefer **short** answers. <script>alert(1)</script>\n")
    (tmp_path / "annotate.yaml").write_text(
        "database: sqlite:///votes.db\nguidelines: rules.md\nchecklist: [cites a source]\n"
        "annotators: [ann, bob]\noverlap: 1\n")
    config = load_annotate_config(tmp_path / "annotate.yaml")
    store = AnnotationStore(config.database)
    store.add_items([NewItem(f"q{i}", [{"role": "user", "content": f"question {i}"}], ["short", "a long answer"],
                             ["small", "large"]) for i in range(4)])
    store.assign(config.annotators, config.overlap)
    tokens = {name: store.issue_token(name) for name in config.annotators}
    tokens["admin"] = store.issue_token("admin", "admin")
    yield tmp_path, config, store, tokens
    store.close()


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_annotators_reach_only_their_own_assignments_and_admin_pages_need_the_admin_token(app_setup):
    _folder, config, store, tokens = app_setup
    client = TestClient(create_app(store, config))
    assert client.get("/api/next").status_code == 401
    assert client.get("/label", follow_redirects=False).headers["location"] == "/login"
    ann = client.get("/api/next", headers=_auth(tokens["ann"])).json()
    bob = client.get("/api/next", headers=_auth(tokens["bob"])).json()
    theirs = bob["assignment"]["id"]
    assert client.get(f"/api/assignments/{theirs}", headers=_auth(tokens["ann"])).status_code == 403
    vote = {"submission_id": "x1", "outcome": "win", "slots": [0]}
    assert client.post(f"/api/assignments/{theirs}/vote", json=vote, headers=_auth(tokens["ann"])).status_code == 403
    mine = ann["assignment"]["id"]
    first = client.post(f"/api/assignments/{mine}/vote", json=vote, headers=_auth(tokens["ann"])).json()
    again = client.post(f"/api/assignments/{mine}/vote", json=vote, headers=_auth(tokens["ann"])).json()
    assert (first["duplicate"], again) == (False, {"vote_id": first["vote_id"], "duplicate": True})
    for path in ("/api/admin/export", "/api/admin/stats", "/admin"):
        assert client.get(path, headers=_auth(tokens["ann"])).status_code == 403
        assert client.get(path, follow_redirects=False).status_code in (401, 303)
    assert client.get("/label", headers=_auth(tokens["admin"])).status_code == 403  # the admin does not vote
    exported = client.get("/api/admin/export", headers=_auth(tokens["admin"])).text.splitlines()
    assert len(exported) == 1 and json.loads(exported[0])["provenance"]["annotators"] == ["ann"]
    stats = client.get("/api/admin/stats", headers=_auth(tokens["admin"])).json()
    assert stats["progress"]["ann"]["done"] == 1 and stats["votes"] == 1
    page = client.get("/label", headers=_auth(tokens["ann"])).text
    assert "<strong>short</strong>" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # markdown, no raw HTML


def test_login_sets_a_cookie_and_the_form_votes_once(app_setup):
    _folder, config, store, tokens = app_setup
    client = TestClient(create_app(store, config))
    assert client.post("/login", content="token=nope", headers={"content-type": "application/x-www-form-urlencoded"}
                       ).status_code == 401
    response = client.post("/login", content=f"token={tokens['bob']}", follow_redirects=False,
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.headers["location"] == "/label"
    assignment = store.next_assignment("bob")
    form = "submission_id=f1&outcome=win&slots=1&rating=&seconds=2.5&checklist=cites+a+source"
    for _ in range(2):  # a resubmitted form is stored once
        sent = client.post(f"/label/{assignment.id}", content=form, follow_redirects=False,
                           headers={"content-type": "application/x-www-form-urlencoded"})
        assert sent.status_code == 303 and sent.headers["location"] == "/label"
    [vote] = store.votes()
    assert (vote.annotator, vote.checklist, vote.seconds) == ("bob", ["cites a source"], 2.5)


def test_a_pipeline_trains_from_the_database(app_setup):
    folder, _config, store, _tokens = app_setup
    while (assignment := store.next_assignment("ann")) is not None:
        short = next(s["slot"] for s in assignment.shown if s["text"] == "short")
        store.submit("ann", assignment.id, f"a{assignment.id}", "win", [short])
    (folder / "pipeline.yaml").write_text(
        "name: from-votes\ndatasets:\n  votes: {path: 'sqlite:///votes.db', format: annotations, eval_fraction: 0}\n"
        "stages: []\n")
    config = load_pipeline(folder / "pipeline.yaml")
    splits = load_splits(config.datasets["votes"], task="preference")
    assert len(splits.train) == 2  # ann's two items (bob has the other two)
    assert all(record.chosen[0]["content"] == "short" for record in splits.train)
    assert splits.report.container == "annotations"


def test_config_errors_name_the_line(tmp_path):
    (tmp_path / "annotate.yaml").write_text("database: sqlite:///x.db\noverlapp: 2\n")
    with pytest.raises(ConfigError) as error:
        load_annotate_config(tmp_path / "annotate.yaml")
    assert "annotate.yaml:2" in str(error.value) and "overlapp" in str(error.value)
