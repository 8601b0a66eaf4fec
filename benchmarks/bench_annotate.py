"""Benchmark: the annotation app's latency with 100,000 items in the database (target: p95 of
fetch-next-item + submit < 100 ms).

Fills a database (SQLite by default, or --database URL, e.g. a PostgreSQL one) with
100,000 pairwise items assigned to 8 annotators with overlap 2 (200,000 assignments),
starts `tuneline annotate serve` as its own process, and times, over HTTP, one annotator
fetching the next item (GET /api/next) and voting on it (POST …/vote) in a loop, then 8
annotators doing so at once. Prints a table and writes benchmarks/results/bench_annotate.json.

    python benchmarks/bench_annotate.py [--items 100000] [--votes 500] [--database URL]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import write_result  # noqa: E402

from support.annotate_server import start_annotate_server  # noqa: E402
from support.postgres import free_port  # noqa: E402
from tuneline.data.annotations.store import AnnotationStore, NewItem  # noqa: E402

ANNOTATORS = [f"annotator{i}" for i in range(8)]
TARGET_MS = 100.0


def fill(url: str, count: int) -> tuple[dict[str, str], dict[str, float]]:
    seconds = {}
    store = AnnotationStore(url)
    started = time.perf_counter()
    store.add_items(NewItem(f"item-{i}", [{"role": "user", "content": f"Question number {i}: how do I do thing {i}?"}],
                            [f"First answer to question {i}, with some detail. " * 3,
                             f"Second answer to question {i}, shorter."], ["model-a", "model-b"])
                    for i in range(count))
    seconds["insert_items"] = time.perf_counter() - started
    started = time.perf_counter()
    store.assign(ANNOTATORS, overlap=2)
    seconds["assign"] = time.perf_counter() - started
    tokens = {name: store.issue_token(name) for name in ANNOTATORS}
    store.close()
    return tokens, seconds


def annotate(base: str, token: str, votes: int, latencies: list[float], name: str) -> None:
    with httpx.Client(base_url=base, headers={"authorization": f"Bearer {token}"}, timeout=30) as client:
        for count in range(votes):
            started = time.perf_counter()
            assignment = client.get("/api/next").raise_for_status().json()["assignment"]
            client.post(f"/api/assignments/{assignment['id']}/vote", json={
                "submission_id": f"{name}-{assignment['id']}", "outcome": "win", "slots": [count % 2],
                "seconds": 3.0}).raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(items: int, votes: int, database: str | None) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-annotate-"))
    url = database or f"sqlite:///{folder / 'annotations.db'}"
    tokens, fill_seconds = fill(url, items)
    (folder / "annotate.yaml").write_text(f"database: '{url}'\nannotators: [{', '.join(ANNOTATORS)}]\noverlap: 2\n")
    port = free_port()
    server = start_annotate_server(folder / "annotate.yaml", port)
    base = f"http://127.0.0.1:{port}"
    results = {}
    try:
        annotate(base, tokens[ANNOTATORS[0]], 20, [], "warmup")  # first requests pay for imports and caches
        for label, clients in (("1 annotator", 1), ("8 annotators at once", 8)):
            latencies: list[float] = []
            names = ANNOTATORS[:clients]  # one client per annotator, as people work
            threads = [threading.Thread(target=annotate, args=(base, tokens[name], votes // clients, latencies,
                                                               f"{label}-{i}")) for i, name in enumerate(names)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            results[label] = {"pairs": len(latencies), "p50_ms": percentile(latencies, 0.5),
                              "p95_ms": percentile(latencies, 0.95), "p99_ms": percentile(latencies, 0.99),
                              "mean_ms": statistics.fmean(latencies), "votes_per_s": len(latencies) / elapsed}
    finally:
        server.kill()
        server.wait()
    return {"items": items, "assignments": items * 2, "database": url.split(":")[0], "fill_seconds": fill_seconds,
            "results": results, "target_p95_ms": TARGET_MS, "load_average_1min": round(os.getloadavg()[0], 2),
            "cpu_count": os.cpu_count(), "machine": _cpu_name(), "python": platform.python_version()}


def _cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, StopIteration):
        return platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=400, help="fetch+submit pairs timed in each phase")
    parser.add_argument("--database", help="a SQLAlchemy URL of an empty database (default: a fresh SQLite file)")
    args = parser.parse_args()
    result = run(args.items, args.votes, args.database)
    print(f"{result['items']:,} items, {result['assignments']:,} assignments on {result['database']} "
          f"(filled in {result['fill_seconds']['insert_items']:.1f} s + assigned in {result['fill_seconds']['assign']:.1f} s)")
    print(f"{'fetch-next + submit over HTTP':<32}{'pairs':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'votes/s':>9}")
    for label, row in result["results"].items():
        print(f"{label:<32}{row['pairs']:>7}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}"
              f"{row['votes_per_s']:>9.1f}")
    p95 = result["results"]["1 annotator"]["p95_ms"]
    print(f"target p95 < {TARGET_MS:.0f} ms for one annotator: {'MET' if p95 < TARGET_MS else 'MISSED'} ({p95:.1f} ms)")
    print(f"(load average {result['load_average_1min']} on {result['cpu_count']} cores, {result['machine']}: "
          "other work shares the CPU)")
    write_result("bench_annotate", result)


if __name__ == "__main__":
    main()
