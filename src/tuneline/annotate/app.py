"""The annotation web app (FastAPI): pages for people, a JSON API for scripts, both on the
same store calls.

Who is asking comes from a bearer token (`Authorization: Bearer …`) or the cookie the
login page sets; only the token's hash is in the database. An annotator sees and votes on
their own assignments only (403 otherwise); the admin pages and the export need the admin
token. A vote is committed before the answer goes out, and carries a submission id made
when the item was served, so a resubmitted form or a retried API call is stored once.
"""

from __future__ import annotations

import json
import secrets
import statistics
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

from tuneline.annotate import pages
from tuneline.annotate.config import AnnotateConfig
from tuneline.data.annotations.agreement import agreement_report
from tuneline.data.annotations.export import preference_rows
from tuneline.data.annotations.store import AnnotationError, AnnotationStore

COOKIE = "tuneline_annotate"
MAX_BODY_BYTES = 65536


class NotLoggedIn(Exception):
    pass


def create_app(store: AnnotationStore, config: AnnotateConfig) -> FastAPI:
    app = FastAPI(title="tuneline annotate", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store

    def token_of(request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return header[7:].strip()
        return request.cookies.get(COOKIE)

    def identity(request: Request, role: str = "annotator") -> str:
        found = store.who(token_of(request))
        if found is None:
            raise NotLoggedIn()
        name, has_role = found
        if role == "admin" and has_role != "admin":
            raise AnnotationError("this needs the admin token", status=403)
        if role == "annotator" and has_role != "annotator":
            raise AnnotationError("the admin token cannot vote; log in with an annotator's token", status=403)
        return name

    def html(text: str, nonce: str, status: int = 200) -> HTMLResponse:
        # Defence in depth: even if an answer slipped through unescaped, no script without the nonce runs.
        policy = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
                  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        return HTMLResponse(text, status_code=status, headers={"content-security-policy": policy,
                                                               "x-content-type-options": "nosniff"})

    @app.exception_handler(NotLoggedIn)
    async def _not_logged_in(request: Request, _exc: NotLoggedIn) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "missing or unknown token; send 'Authorization: Bearer <token>'"},
                                status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(AnnotationError)
    async def _refused(request: Request, exc: AnnotationError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.message, "fix": exc.fix}, status_code=exc.status)
        nonce = secrets.token_urlsafe(12)
        return html(pages.message_page(f"error {exc.status}", exc.message, nonce), nonce, exc.status)

    async def form(request: Request) -> dict[str, list[str]]:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise AnnotationError(f"request body over {MAX_BODY_BYTES} bytes", status=413)
        return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

    async def json_body(request: Request) -> dict[str, Any]:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise AnnotationError(f"request body over {MAX_BODY_BYTES} bytes", status=413)
        try:
            value = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise AnnotationError("the body is not valid JSON") from None
        if not isinstance(value, dict):
            raise AnnotationError("send a JSON object")
        return value

    # --- pages ---------------------------------------------------------------------------

    @app.get("/")
    def home(request: Request) -> Response:
        found = store.who(token_of(request))
        if found is None:
            return RedirectResponse("/login", status_code=303)
        return RedirectResponse("/admin" if found[1] == "admin" else "/label", status_code=303)

    @app.get("/login")
    def login_form() -> Response:
        nonce = secrets.token_urlsafe(12)
        return html(pages.login_page(nonce), nonce)

    @app.post("/login")
    async def login(request: Request) -> Response:
        token = (await form(request)).get("token", [""])[0].strip()
        found = store.who(token)
        if found is None:
            nonce = secrets.token_urlsafe(12)
            return html(pages.login_page(nonce, "unknown token"), nonce, 401)
        response = RedirectResponse("/admin" if found[1] == "admin" else "/label", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    @app.get("/logout")
    def logout() -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @app.get("/label")
    def label(request: Request) -> Response:
        name = identity(request)
        nonce = secrets.token_urlsafe(12)
        assignment = store.next_assignment(name)
        if assignment is None:
            return html(pages.message_page("all done", "Nothing left to label. Thank you!", nonce, name), nonce)
        return html(pages.label_page(assignment, store.progress(name).get(name, {}), config.guidelines_text(),
                                     config.checklist, config.rubric, secrets.token_hex(16), nonce, name), nonce)

    @app.post("/label/{assignment_id}")
    async def label_vote(assignment_id: int, request: Request) -> Response:
        name = identity(request)
        fields = await form(request)
        first = {key: values[0] for key, values in fields.items()}
        slots = [int(part) for part in first.get("slots", "").split(",") if part.strip().lstrip("-").isdigit()]
        rating = int(first["rating"]) if first.get("rating", "").isdigit() else None
        store.submit(name, assignment_id, first.get("submission_id", ""), first.get("outcome", ""), slots, rating,
                     fields.get("checklist", []), _seconds(first.get("seconds")))
        return RedirectResponse("/label", status_code=303)

    @app.get("/admin")
    def admin(request: Request) -> Response:
        name = identity(request, "admin")
        nonce = secrets.token_urlsafe(12)
        stats = admin_stats()
        return html(pages.admin_page(stats["progress"], stats["median_seconds"], stats["agreement"],
                                     stats["most_disagreed"], stats["votes"], stats["items"], nonce, name), nonce)

    # --- JSON API ------------------------------------------------------------------------

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"status": "ok"}

    @app.get("/api/next")
    def api_next(request: Request) -> dict[str, Any]:
        name = identity(request)
        assignment = store.next_assignment(name)
        if assignment is None:
            return {"assignment": None, "progress": store.progress(name).get(name, {})}
        return {"assignment": _assignment_json(assignment), "submission_id": secrets.token_hex(16)}

    @app.get("/api/assignments/{assignment_id}")
    def api_assignment(assignment_id: int, request: Request) -> dict[str, Any]:
        return {"assignment": _assignment_json(store.assignment_for(assignment_id, identity(request)))}

    @app.post("/api/assignments/{assignment_id}/vote")
    async def api_vote(assignment_id: int, request: Request) -> dict[str, Any]:
        name = identity(request)
        body = await json_body(request)
        slots = body.get("slots") or []
        if not isinstance(slots, list):
            raise AnnotationError("slots must be a list of integers")
        checklist = body.get("checklist") or []
        if not isinstance(checklist, list) or not all(isinstance(entry, str) for entry in checklist):
            raise AnnotationError("checklist must be a list of strings")
        vote_id, duplicate = store.submit(name, assignment_id, str(body.get("submission_id") or ""),
                                          str(body.get("outcome") or ""), slots, body.get("rating"), checklist,
                                          _seconds(body.get("seconds")))
        return {"vote_id": vote_id, "duplicate": duplicate}

    def admin_stats() -> dict[str, Any]:
        votes = store.votes()
        seconds: dict[str, list[float]] = {}
        for vote in votes:
            if vote.seconds is not None:
                seconds.setdefault(vote.annotator, []).append(vote.seconds)
        agreement = agreement_report(votes)
        items = store.items_with_answers(entry["item_id"] for entry in agreement["most_disagreed"])
        disagreed = [{"external_id": items[entry["item_id"]]["external_id"], "disagreement": entry["disagreement"],
                      "prompt": " ".join(str(m.get("content") or "") for m in items[entry["item_id"]]["prompt"])}
                     for entry in agreement["most_disagreed"]]
        return {"items": store.item_count(), "votes": len(votes), "progress": store.progress(),
                "median_seconds": {name: statistics.median(values) for name, values in seconds.items()},
                "agreement": agreement, "most_disagreed": disagreed}

    @app.get("/api/admin/stats")
    def api_stats(request: Request) -> dict[str, Any]:
        identity(request, "admin")
        return admin_stats()

    @app.get("/api/admin/export")
    def api_export(request: Request, ties: str = "drop") -> Response:
        identity(request, "admin")
        if ties not in ("drop", "soft"):
            raise AnnotationError("ties must be drop or soft")
        rows = preference_rows(store, ties=ties)
        return PlainTextResponse("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                                 media_type="application/x-ndjson")

    return app


def _assignment_json(assignment) -> dict[str, Any]:
    return {"id": assignment.id, "item": assignment.external_id, "kind": assignment.kind,
            "prompt": assignment.prompt, "answers": assignment.shown, "status": assignment.status}


def _seconds(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if 0 <= seconds < 86400 else None
