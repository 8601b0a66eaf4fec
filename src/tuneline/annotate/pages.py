"""Server-rendered HTML for the annotation app. No build step, no template engine: every
value from the database goes through `html.escape` (answers are shown as text, never as
HTML), and the guidelines are markdown rendered with raw HTML switched off."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from markdown_it import MarkdownIt

from tuneline.data.annotations.store import Assignment

_MARKDOWN = MarkdownIt("commonmark", {"html": False})  # raw HTML in the guidelines is shown as text

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f6f6f4;color:#222}
header{background:#263238;color:#fff;padding:.5em 1em;display:flex;gap:2em;align-items:center}
header a{color:#cfd8dc} main{display:flex;gap:1em;padding:1em} .item{flex:3} aside{flex:1;min-width:16em}
.prompt,.answer,aside{background:#fff;border:1px solid #ccc;border-radius:6px;padding:.8em}
.answers{display:flex;gap:1em;margin-top:1em} .answer{flex:1} .answer pre{white-space:pre-wrap;font-family:inherit;margin:0}
.answer h3{margin-top:0} .ranked{outline:3px solid #2e7d32} kbd{border:1px solid #999;border-radius:3px;padding:0 .3em}
table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}
.error{color:#b71c1c} progress{width:12em}
"""


def page(title: str, body: str, nonce: str, who: str = "") -> str:
    user = f'<span>{escape(who)}</span> <a href="/logout">log out</a>' if who else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<style nonce="{nonce}">{STYLE}</style></head><body><header><b>tuneline annotate</b>{user}</header>'
            f"{body}</body></html>")


def login_page(nonce: str, error: str = "") -> str:
    message = f'<p class="error">{escape(error)}</p>' if error else ""
    return page("log in", f'<main><form method="post" action="/login"><h2>Log in</h2>{message}'
                          '<label>Your token <input id="token" name="token" type="password" autofocus></label> '
                          '<button type="submit">log in</button></form></main>', nonce)


def message_page(title: str, text: str, nonce: str, who: str = "") -> str:
    return page(title, f"<main><div><h2>{escape(title)}</h2><p>{escape(text)}</p></div></main>", nonce, who)


def _messages_html(messages: list[dict[str, Any]]) -> str:
    return "".join(f'<p><b>{escape(str(m.get("role", "")))}</b>: <span class="text">{escape(str(m.get("content") or ""))}'
                   "</span></p>" for m in messages)


KEYS = {
    "pairwise": "<kbd>1</kbd> left is better · <kbd>2</kbd> right is better · <kbd>t</kbd> tie · "
                "<kbd>b</kbd> both bad · <kbd>s</kbd> skip",
    "ranking": "press the answers' numbers best first (<kbd>Backspace</kbd> starts over), then <kbd>Enter</kbd> · "
               "<kbd>s</kbd> skip",
    "rating": "<kbd>1</kbd>–<kbd>5</kbd> rate the answer · <kbd>s</kbd> skip",
}


def label_page(assignment: Assignment, progress: dict[str, int], guidelines: str, checklist: list[str],
               rubric: dict[int, str], submission_id: str, nonce: str, who: str) -> str:
    done = progress.get("done", 0) + progress.get("skipped", 0)
    total = progress.get("total", 0)
    answers = "".join(
        f'<div class="answer" id="answer-{slot["slot"]}"><h3>Answer {slot["slot"] + 1}</h3>'
        f'<pre class="text">{escape(slot["text"])}</pre></div>'
        for slot in assignment.shown)
    checks = "".join(f'<label><input type="checkbox" name="checklist" value="{escape(entry)}"> {escape(entry)}'
                     "</label><br>" for entry in checklist)
    rubric_html = "".join(f"<li><b>{score}</b>: {escape(text)}</li>" for score, text in sorted(rubric.items()))
    rubric_block = f"<h3>Rubric</h3><ul>{rubric_html}</ul>" if assignment.kind == "rating" and rubric else ""
    body = f"""<main><div class="item">
<p><progress value="{done}" max="{total}"></progress> {done} of {total} done · item {escape(assignment.external_id)}</p>
<div class="prompt">{_messages_html(assignment.prompt)}</div>
<div class="answers">{answers}</div>
<form id="vote" method="post" action="/label/{assignment.id}">
<input type="hidden" name="submission_id" value="{escape(submission_id)}">
<input type="hidden" name="outcome" id="outcome"><input type="hidden" name="slots" id="slots">
<input type="hidden" name="rating" id="rating"><input type="hidden" name="seconds" id="seconds">
<p>{checks}</p><p id="order"></p><p>{KEYS[assignment.kind]}</p></form></div>
<aside><h3>Guidelines</h3>{_MARKDOWN.render(guidelines)}{rubric_block}</aside></main>
<script nonce="{nonce}">{_script(assignment.kind, len(assignment.shown))}</script>"""
    return page(f"item {assignment.external_id}", body, nonce, who)


def _script(kind: str, answers: int) -> str:
    return f"""
const kind = {json.dumps(kind)}, answers = {answers}, started = performance.now();
const form = document.getElementById("vote"), order = [];
let sent = false;
function send(outcome, slots, rating) {{
  if (sent) return; sent = true;
  document.getElementById("outcome").value = outcome;
  document.getElementById("slots").value = (slots || []).join(",");
  document.getElementById("rating").value = rating || "";
  document.getElementById("seconds").value = ((performance.now() - started) / 1000).toFixed(2);
  form.submit();
}}
function showOrder() {{
  document.querySelectorAll(".answer").forEach(el => el.classList.remove("ranked"));
  order.forEach(slot => document.getElementById("answer-" + slot).classList.add("ranked"));
  document.getElementById("order").textContent = order.length ? "ranking: " + order.map(s => s + 1).join(" > ") : "";
}}
document.addEventListener("keydown", event => {{
  if (event.target.tagName === "INPUT" && event.target.type !== "checkbox") return;
  const key = event.key;
  if (key === "s") return send("skip");
  if (kind === "pairwise") {{
    if (key === "1" || key === "2") send("win", [Number(key) - 1]);
    else if (key === "t") send("tie");
    else if (key === "b") send("both_bad");
  }} else if (kind === "rating") {{
    if (/^[1-5]$/.test(key)) send("rating", [], Number(key));
  }} else {{
    const slot = Number(key) - 1;
    if (/^[1-9]$/.test(key) && slot < answers && !order.includes(slot)) {{ order.push(slot); showOrder(); }}
    else if (key === "Backspace") {{ order.length = 0; showOrder(); }}
    else if (key === "Enter" && order.length >= answers - 1) send("ranking", order);
  }}
}});
"""


def admin_page(progress: dict[str, dict[str, int]], seconds: dict[str, float | None], agreement: dict[str, Any],
               disagreed: list[dict[str, Any]], votes: int, items: int, nonce: str, who: str) -> str:
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{counts['done']}</td><td>{counts['skipped']}</td><td>{counts['total']}</td>"
        f"<td>{_number(seconds.get(name))}</td></tr>" for name, counts in sorted(progress.items()))
    kappas = "".join(f"<tr><td>{escape(pair)}</td><td>{_number(value['kappa'])}</td><td>{value['units']}</td></tr>"
                     for pair, value in agreement["kappa"].items())
    worst = "".join(f"<tr><td>{escape(entry['external_id'])}</td><td>{entry['disagreement']:.2f}</td>"
                    f"<td>{escape(entry['prompt'][:120])}</td></tr>" for entry in disagreed)
    body = f"""<main><div class="item"><h2>Progress</h2><p>{items} items, {votes} votes.
<a href="/api/admin/export">export preferences (JSONL)</a></p>
<table><tr><th>annotator</th><th>done</th><th>skipped</th><th>assigned</th><th>median s/item</th></tr>{rows}</table>
<h2>Agreement</h2><p>Krippendorff's α (nominal, all annotators): {_number(agreement['alpha'])}
over {agreement['pairable_units']} units judged by two or more</p>
<table><tr><th>pair</th><th>Cohen's κ</th><th>shared units</th></tr>{kappas}</table>
<h2>Most disagreement</h2><table><tr><th>item</th><th>share outside the majority</th><th>prompt</th></tr>{worst}</table>
</div></main>"""
    return page("admin", body, nonce, who)


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"
