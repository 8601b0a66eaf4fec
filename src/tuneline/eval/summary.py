"""The before/after table printed at the end of an evaluation (the quickstart's output)."""

from __future__ import annotations

import textwrap
from typing import Any

# The rows that tell a newcomer what training did, in reading order; other metrics follow.
HEADLINE = ["loss.loss", "loss.perplexity", "preference.preference_accuracy", "preference.reward_margin",
            "preference.chosen_reward", "preference.rejected_reward", "reward.mean_reward", "generation.eos_share", "generation.mean_tokens"]


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:.1f}"
    return str(value)


def metrics_table(details: dict[str, Any]) -> str:
    targets = details.get("targets", {})
    names = list(targets)
    labels: list[str] = []
    for suites in targets.values():
        for suite, values in suites.items():
            for key, value in values.items():
                label = f"{suite}.{key}"
                if isinstance(value, (int, float)) and label not in labels and not key.endswith(("tokens", "pairs",
                                                                                                  "answers")):
                    labels.append(label)
    labels = [h for h in HEADLINE if h in labels] + [lb for lb in labels if lb not in HEADLINE]
    rows = [["metric (held-out)", *names]]
    for label in labels:
        suite, key = label.split(".", 1)
        rows.append([label] + [_cell(targets[n].get(suite, {}).get(key)) for n in names])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths,
                                                                                                    strict=True)))
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def winrate_lines(details: dict[str, Any]) -> list[str]:
    return [f"win rate {w['model_a']} vs {w['model_b']} ({w['judge']} judge, both orders): {w['win_rate']:.1%} "
            f"[95% CI {w['ci_low']:.1%}–{w['ci_high']:.1%}]; {w['wins']} wins, {w['ties']} ties, {w['losses']} losses "
            f"over {w['prompts']} prompts; orders agreed on {w['order_agreement']:.0%}"
            for w in details.get("winrate", [])]


def sample_lines(samples: list[dict[str, Any]], show: list[str], count: int) -> list[str]:
    by_index: dict[int, dict[str, Any]] = {}
    for sample in samples:
        if sample["target"] in show:
            by_index.setdefault(sample["index"], {"prompt": sample["prompt"]})[sample["target"]] = sample
    lines: list[str] = []
    for number, index in enumerate(sorted(by_index)[:count], start=1):
        entry = by_index[index]
        question = entry["prompt"][-1]["content"]
        lines.append(f"[{number}] {entry['prompt'][-1]['role']}: {textwrap.shorten(question, 200)}")
        for target in show:
            sample = entry.get(target)
            if sample is None:
                continue
            stop = "" if sample["finished_with_eos"] else " [no EOS: cut at max_new_tokens]"
            answer = textwrap.shorten(sample["answer"].replace("\n", " "), 300) or "(empty)"
            lines.append(f"    {target:>8}: {answer}{stop}")
    return lines


def eos_line(samples: list[dict[str, Any]]) -> str:
    counts: dict[str, list[int]] = {}
    for sample in samples:
        ended, total = counts.setdefault(sample["target"], [0, 0])
        counts[sample["target"]] = [ended + bool(sample["finished_with_eos"]), total + 1]
    return "answers that ended with EOS: " + ", ".join(f"{t} {e}/{n} ({e / n:.0%})" for t, (e, n) in counts.items())


def before_after(details: dict[str, Any], samples: list[dict[str, Any]], show_samples: int = 3) -> str:
    """Metrics per target, win rates, EOS shares and a few answers of the base and final model."""
    parts = ["", "=== Evaluation: before / after ===", metrics_table(details)]
    parts += winrate_lines(details)
    if samples:
        targets = list(dict.fromkeys(s["target"] for s in samples))
        show = [targets[0], targets[-1]] if len(targets) > 1 else targets
        parts += [eos_line(samples), "", f"Held-out prompts, {' vs '.join(show)}:"]
        parts += sample_lines(samples, show, show_samples)
    parts += [f"note: {n}" for n in details.get("notes", [])]
    return "\n".join(parts)
