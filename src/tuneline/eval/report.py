"""report.html: one self-contained page per run (or per comparison of runs).

Everything is read back from run directories (manifest.json, each stage's log.jsonl and
metrics.json, the eval stage's metrics.json and samples.jsonl), so a report can be
rebuilt at any time, and plots are PNGs embedded as base64: the file can be mailed or
attached to a tracker without its folder.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from tuneline.eval import plots
from tuneline.eval.evaluate import REWARD_MODEL_COLUMN
from tuneline.io import atomic_write_text

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f3f3f3} td.num{text-align:right;font-variant-numeric:tabular-nums}
td.answer{white-space:pre-wrap;max-width:420px;font-size:0.9em}
img{margin:4px;border:1px solid #eee} h2{border-bottom:2px solid #ddd;padding-bottom:4px}
.muted{color:#777}
"""


def esc(value: Any) -> str:
    return html.escape(str(value))


def fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return esc(value if value is not None else "—")
    if isinstance(value, float):
        return f"{value:.4g}"
    return esc(value)


def img(png: bytes, alt: str) -> str:
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def table(header: list[str], rows: list[list[Any]], answer_columns: bool = False) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            css = "num" if isinstance(value, (int, float)) and not isinstance(value, bool) else (
                "answer" if answer_columns and i > 0 else "")
            cells.append(f'<td class="{css}">{fmt(value)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def page(title: str, sections: list[str]) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{esc(title)}</h1>{''.join(sections)}</body></html>")


# ── reading a run ───────────────────────────────────────────────────────────────────


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def eval_stages(run_dir: Path, manifest: dict[str, Any]) -> list[Path]:
    """Folders holding evaluation results: eval stages of the run, or a `tuneline eval` output."""
    found = [run_dir / s["name"] for s in manifest.get("stages", []) if s.get("type") == "eval"]
    if not found and (run_dir / "eval" / "metrics.json").exists():
        found = [run_dir / "eval"]
    return [d for d in found if (d / "metrics.json").exists()]


def target_rows(details: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Before/after table: one row per metric (suite.metric), one column per target."""
    targets = details.get("targets", {})
    names = list(targets)
    keys: list[str] = []
    for values in targets.values():
        for suite, metrics in values.items():
            for key, value in (metrics.items() if isinstance(metrics, dict) else []):
                label = f"{suite}.{key}"
                if isinstance(value, (int, float)) and label not in keys:
                    keys.append(label)
    rows = []
    for label in keys:
        suite, key = label.split(".", 1)
        rows.append([label] + [targets[n].get(suite, {}).get(key) for n in names])
    return ["metric"] + names, rows


def winrate_rows(details: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for w in details.get("winrate", []):
        rows.append([f"{w['model_a']} vs {w['model_b']}", w["judge"], w["prompts"], w["wins"], w["ties"], w["losses"],
                     w["win_rate"], f"[{w['ci_low']:.3f}, {w['ci_high']:.3f}]", w["order_agreement"]])
    return rows


WINRATE_HEADER = ["pair", "judge", "prompts", "wins", "ties", "losses", "win rate", "95% CI", "order agreement"]


def samples_side_by_side(samples: list[dict[str, Any]], limit: int = 10) -> tuple[list[str], list[list[Any]]]:
    targets: list[str] = []
    by_prompt: dict[int, dict[str, Any]] = {}
    for sample in samples:
        if sample["target"] not in targets:
            targets.append(sample["target"])
        row = by_prompt.setdefault(sample["index"], {"prompt": sample["prompt"], "reference": sample.get("reference")})
        eos = "" if sample.get("finished_with_eos", True) else "  [no EOS: cut at max_new_tokens]"
        row[sample["target"]] = sample["answer"] + eos
    rows = []
    for index in sorted(by_prompt)[:limit]:
        row = by_prompt[index]
        prompt = "\n".join(f"{m['role']}: {m['content']}" for m in row["prompt"])
        rows.append([prompt, row["reference"] or ""] + [row.get(t, "") for t in targets])
    return ["prompt", "reference"] + targets, rows


def preference_bars(details: dict[str, Any]) -> list[str]:
    """Implicit-DPO margins and accuracies of each evaluated model, as bar charts (the reward
    model's own margins are on another scale and stay in the table)."""
    out = []
    targets = {n: t for n, t in details.get("targets", {}).items() if n != REWARD_MODEL_COLUMN}
    for key, title in (("preference_accuracy", "held-out preference accuracy"),
                       ("reward_margin", "held-out mean implicit reward margin")):
        values = {n: t["preference"][key] for n, t in targets.items() if key in t.get("preference", {})}
        if values:
            out.append(img(plots.bar_plot_png(title, values), title))
    return out


def eval_section(eval_dir: Path) -> str:
    details = read_json(eval_dir / "metrics.json").get("details", {})
    parts = [f"<h2>Evaluation ({esc(eval_dir.name)})</h2>"]
    header, rows = target_rows(details)
    if rows:
        parts += ["<h3>Before / after</h3>", table(header, rows)]
    if details.get("winrate"):
        parts += ["<h3>Win rate (both orders, ties count half)</h3>", table(WINRATE_HEADER, winrate_rows(details))]
    parts += preference_bars(details)
    header, rows = samples_side_by_side(read_jsonl(eval_dir / "samples.jsonl"))
    if rows:
        parts += ["<h3>Sample answers</h3>", table(header, rows, answer_columns=True)]
    if (eval_dir / "safety" / "section.html").exists():  # written by the safety suite (tuneline.safety.report)
        parts.append((eval_dir / "safety" / "section.html").read_text())
    if details.get("notes"):
        parts.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in details["notes"]) + "</ul>")
    return "".join(parts)


def stages_table(manifest: dict[str, Any]) -> str:
    rows = []
    for stage in manifest.get("stages", []):
        metrics = stage.get("metrics") or {}
        headline = ", ".join(f"{k}={fmt(v)}" for k, v in list(metrics.items())[:8])
        rows.append([stage["name"], stage.get("type", ""), stage.get("status", ""), headline])
    return table(["stage", "type", "status", "headline metrics"], rows)


def curves_section(run_dir: Path, manifest: dict[str, Any]) -> str:
    parts = []
    for stage in manifest.get("stages", []):
        for title, lines in plots.stage_figures(run_dir / stage["name"]).items():
            parts.append(img(plots.line_plot_png(f"{stage['name']}: {title}", lines), f"{stage['name']} {title}"))
    return "<h2>Training curves</h2>" + "".join(parts) if parts else ""


def build_run_report(run_dir: str | Path) -> str:
    run_dir = Path(run_dir)
    manifest = read_json(run_dir / "manifest.json")
    info = (f"<p class='muted'>run {esc(run_dir)} · status {esc(manifest.get('status', '?'))} · "
            f"started {esc(manifest.get('started'))} · finished {esc(manifest.get('finished'))} · "
            f"seed {esc(manifest.get('seed'))}</p>")
    sections = [info, "<h2>Stages</h2>", stages_table(manifest), curves_section(run_dir, manifest)]
    sections += [eval_section(d) for d in eval_stages(run_dir, manifest)]
    return page(f"tuneline report: {manifest.get('pipeline', run_dir.name)}", sections)


def write_run_report(run_dir: str | Path, out_path: str | Path) -> Path:
    atomic_write_text(out_path, build_run_report(run_dir))
    return Path(out_path)


# ── comparing runs ──────────────────────────────────────────────────────────────────


def run_label(run_dir: Path) -> str:
    return f"{run_dir.parent.name}/{run_dir.name}"


def build_compare_report(run_dirs: list[str | Path]) -> str:
    runs = [Path(r) for r in run_dirs]
    manifests = {run_label(r): read_json(r / "manifest.json") for r in runs}
    labels = list(manifests)
    # Headline metrics: one row per stage/metric, one column per run.
    keys: list[tuple[str, str]] = []
    for manifest in manifests.values():
        for stage in manifest.get("stages", []):
            for key, value in (stage.get("metrics") or {}).items():
                if (stage["name"], key) not in keys and isinstance(value, (int, float)):
                    keys.append((stage["name"], key))
    rows = []
    for stage_name, key in keys:
        row: list[Any] = [f"{stage_name}.{key}"]
        for manifest in manifests.values():
            found = next((s for s in manifest.get("stages", []) if s["name"] == stage_name), {})
            row.append((found.get("metrics") or {}).get(key))
        rows.append(row)
    sections = ["<h2>Runs</h2>", table(["run", "pipeline", "status", "started", "stages"], [
        [label, m.get("pipeline"), m.get("status"), m.get("started"),
         ", ".join(f"{s['name']}:{s.get('status')}" for s in m.get("stages", []))] for label, m in manifests.items()]),
        "<h2>Headline metrics</h2>", table(["stage.metric"] + labels, rows)]
    # Curves: the same stage and concept of every run on one figure.
    figures: dict[str, dict[str, list[tuple[int, float]]]] = {}
    for run, label in zip(runs, labels, strict=True):
        for stage in manifests[label].get("stages", []):
            for title, lines in plots.stage_figures(run / stage["name"], label_prefix=f"{label} ").items():
                figures.setdefault(f"{stage['name']}: {title}", {}).update(lines)
    if figures:
        sections.append("<h2>Training curves</h2>" + "".join(
            img(plots.line_plot_png(title, lines), title) for title, lines in figures.items()))
    # Evaluations side by side: one row per target and metric, one column per run.
    side: dict[str, dict[str, Any]] = {}
    for run, label in zip(runs, labels, strict=True):
        for eval_dir in eval_stages(run, manifests[label]):
            details = read_json(eval_dir / "metrics.json").get("details", {})
            header, rows = target_rows(details)
            for row in rows:
                for target, value in zip(header[1:], row[1:], strict=True):
                    side.setdefault(f"{target} · {row[0]}", {})[label] = value
            for w in details.get("winrate", []):
                side.setdefault(f"{w['model_a']} vs {w['model_b']} · win rate", {})[label] = w["win_rate"]
    if side:
        sections += ["<h2>Evaluations</h2>", table(["target · metric"] + labels,
                                                   [[key] + [values.get(lb) for lb in labels]
                                                    for key, values in side.items()])]
    return page("tuneline comparison: " + ", ".join(labels), sections)


def write_compare_report(run_dirs: list[str | Path], out_path: str | Path) -> Path:
    atomic_write_text(out_path, build_compare_report(run_dirs))
    return Path(out_path)


def write_eval_report(eval_dir: str | Path, out_path: str | Path) -> Path:
    """A report for a standalone `tuneline eval` (no run directory around it)."""
    eval_dir = Path(eval_dir)
    atomic_write_text(out_path, page(f"tuneline evaluation: {eval_dir.name}", [eval_section(eval_dir)]))
    return Path(out_path)
