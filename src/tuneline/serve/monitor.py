"""`tuneline monitor`: what users send vs what the adapters were trained on.

Reads the server's request log and each adapter's training data, and compares, per
adapter: prompt length distributions (words; KS statistic), MiniLM embedding drift
(distance between mean embeddings, share of served prompts far from every training
prompt), and how requests were shared between adapters. Flags the skews found.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from tuneline.models.router import routing_text
from tuneline.serve.drift import centroid_distance, far_share, ks_statistic
from tuneline.serve.requestlog import read_requests

MIN_SERVED = 5  # fewer served prompts than this say nothing about a distribution


@dataclass
class Thresholds:
    length_ks: float = 0.35  # KS statistic of word counts above which lengths have shifted
    centroid_distance: float = 0.15  # 1 - cosine of the mean embeddings
    far_similarity: float = 0.45  # a served prompt with no training prompt this similar is "far"
    far_share: float = 0.25  # share of far prompts above which the topic has drifted
    fallback_share: float = 0.2  # share of `auto` requests answered by the fallback


def training_texts(path: str) -> list[str]:
    """The user requests in a training file (any format tuneline reads), as the router sees them."""
    from tuneline.data.load import load_records

    records, _ = load_records(path, task="prompt", on_invalid="drop")
    return [text for text in (routing_text(r.messages) for r in records) if text]


def _words(texts: list[str]) -> list[float]:
    return [float(len(t.split())) for t in texts]


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def compare_group(served: list[str], training: list[str], thresholds: Thresholds) -> dict:
    from tuneline.models.embed import embed_texts

    result: dict = {"served": len(served), "training": len(training), "flags": []}
    if len(served) < MIN_SERVED or not training:
        result["flags"].append(f"too few served prompts to compare ({len(served)} < {MIN_SERVED})"
                               if training else "no training prompts")
        return result
    served_words, training_words = _words(served), _words(training)
    ks = ks_statistic(served_words, training_words)
    result["length_words"] = {"served_median": _quantile(served_words, 0.5),
                              "training_median": _quantile(training_words, 0.5),
                              "served_p90": _quantile(served_words, 0.9),
                              "training_p90": _quantile(training_words, 0.9), "ks": round(ks, 3)}
    served_vectors, training_vectors = embed_texts(served), embed_texts(training)
    distance = centroid_distance(served_vectors, training_vectors)
    far = far_share(served_vectors, training_vectors, thresholds.far_similarity)
    result["embedding"] = {"centroid_distance": round(distance, 4), "far_share": round(far, 3)}
    if ks > thresholds.length_ks:
        result["flags"].append(f"prompt lengths differ from training (KS {ks:.2f} > {thresholds.length_ks}; median "
                               f"{result['length_words']['served_median']:.0f} vs "
                               f"{result['length_words']['training_median']:.0f} words)")
    if distance > thresholds.centroid_distance:
        result["flags"].append(f"served prompts drifted from training topics (centroid distance {distance:.3f} > "
                               f"{thresholds.centroid_distance})")
    if far > thresholds.far_share:
        result["flags"].append(f"{far:.0%} of served prompts are unlike any training prompt "
                               f"(threshold {thresholds.far_share:.0%})")
    return result


def monitor(log_db: str | Path, training: dict[str, str], thresholds: Thresholds | None = None) -> dict:
    """Compare the logged, answered requests with the training data of each adapter.

    `training` maps an adapter name (or "all", for every request) to its training file.
    """
    thresholds = thresholds or Thresholds()
    rows = read_requests(log_db, status=200)
    shares = Counter(row["adapter"] for row in rows)
    auto = [row for row in rows if row["requested_model"] == "auto"]
    fallback = sum(row["route_reason"] == "fallback" for row in auto)
    report: dict = {"served_requests": len(rows), "thresholds": asdict(thresholds),
                    "adapter_shares": {name: round(count / len(rows), 3) for name, count in shares.most_common()}
                    if rows else {},
                    "auto_requests": len(auto),
                    "auto_shares": {name: round(count / len(auto), 3) for name, count in
                                    Counter(row["adapter"] for row in auto).most_common()} if auto else {},
                    "fallback_share": round(fallback / len(auto), 3) if auto else 0.0, "adapters": {}, "flags": []}
    for name, path in training.items():
        served = [row["prompt_text"] for row in rows if row["prompt_text"] and (name == "all" or row["adapter"] == name)]
        group = compare_group(served, training_texts(path), thresholds)
        report["adapters"][name] = group
        report["flags"].extend(f"{name}: {flag}" for flag in group["flags"] if not flag.startswith("too few"))
    if auto and report["fallback_share"] > thresholds.fallback_share:
        report["flags"].append(f"router: {report['fallback_share']:.0%} of auto requests fell back "
                               f"(threshold {thresholds.fallback_share:.0%}); the router may need new labels")
    report["skew"] = bool(report["flags"])
    return report


def format_report(report: dict) -> str:
    lines = [f"served requests: {report['served_requests']}  (auto: {report['auto_requests']}, "
             f"fallback share {report['fallback_share']:.0%})",
             "adapter shares: " + ", ".join(f"{k} {v:.0%}" for k, v in report["adapter_shares"].items())]
    lines.append(f"{'adapter':<14}{'served':>7}{'train':>7}{'len med s/t':>13}{'KS':>6}{'drift':>8}{'far':>6}")
    for name, group in report["adapters"].items():
        length, embedding = group.get("length_words"), group.get("embedding")
        if length is None:
            lines.append(f"{name:<14}{group['served']:>7}{group['training']:>7}   {'; '.join(group['flags'])}")
            continue
        lines.append(f"{name:<14}{group['served']:>7}{group['training']:>7}"
                     f"{length['served_median']:>7.0f}/{length['training_median']:<5.0f}{length['ks']:>6.2f}"
                     f"{embedding['centroid_distance']:>8.3f}{embedding['far_share']:>6.0%}")
    lines.append("SKEW: " + "; ".join(report["flags"]) if report["flags"] else "no training/serving skew flagged")
    return "\n".join(lines)
