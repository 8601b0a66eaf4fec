"""Benchmark: load, validate and deduplicate 100,000 chat records (target ≤ 60 s on CPU).

Generates a JSONL file of OpenAI-style conversations (~5% exact copies, ~5% copies
reworded by a few words, ~1% invalid records), then times each step of the data layer
as a pipeline runs it. Prints a table and writes benchmarks/results/bench_data.json.

    python benchmarks/bench_data.py [--records 100000] [--keep FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import tempfile
import time
from pathlib import Path

WORDS = ("time year people way day man thing woman life child world school state family student group country "
         "problem hand part place case week company system program question work government number night point "
         "home water room mother area money story fact month lot right study book eye job word business issue "
         "side kind head house service friend father power hour game line end member law car city community name "
         "president team minute idea kid body information back parent face others level office door health person "
         "art war history party result change morning reason research girl guy moment air teacher force education "
         "quick slow bright dark simple careful honest strange warm cold early late open quiet loud gentle").split()


def sentence(rng: random.Random, length: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(length)).capitalize() + "."


def reword(text: str, rng: random.Random, edits: int = 3) -> str:
    words = text.split()
    for _ in range(edits):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


def write_dataset(path: Path, count: int, seed: int = 0) -> dict[str, int]:
    rng = random.Random(seed)
    planted = {"exact": 0, "near": 0, "invalid": 0}
    rows: list[str] = []
    originals: list[tuple[str, str]] = []
    for _ in range(count):
        roll = rng.random()
        if originals and roll < 0.05:
            question, answer = rng.choice(originals)
            planted["exact"] += 1
        elif originals and roll < 0.10:
            question, answer = rng.choice(originals)
            question, answer = reword(question, rng), reword(answer, rng)
            planted["near"] += 1
        elif roll < 0.11:
            rows.append(json.dumps({"messages": [{"role": "user", "content": sentence(rng, 8)}]}))
            planted["invalid"] += 1
            continue
        else:
            question = " ".join(sentence(rng, rng.randint(8, 16)) for _ in range(2))
            answer = " ".join(sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(2, 4)))
            originals.append((question, answer))
        rows.append(json.dumps({"messages": [{"role": "system", "content": "You are helpful."},
                                             {"role": "user", "content": question},
                                             {"role": "assistant", "content": answer}]}))
    path.write_text("\n".join(rows) + "\n")
    return planted


def run(records: int, keep: str | None) -> dict:
    from tuneline.data.curation.curate import CurationConfig, dedupe, record_text
    from tuneline.data.load import load_records

    folder = Path(tempfile.mkdtemp(prefix="bench_data_"))
    path = Path(keep) if keep else folder / "chat_100k.jsonl"
    planted = write_dataset(path, records)
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}

    start, start_cpu = time.perf_counter(), time.process_time()
    loaded, report = load_records(str(path), task="sft", on_invalid="drop")
    timings["load + validate"] = time.perf_counter() - start
    cpu["load + validate"] = time.process_time() - start_cpu

    effects: list = []
    start, start_cpu = time.perf_counter(), time.process_time()
    kept = dedupe(loaded, CurationConfig(), effects)
    timings["exact + near dedupe"] = time.perf_counter() - start
    cpu["exact + near dedupe"] = time.process_time() - start_cpu
    timings["total"], cpu["total"] = sum(timings.values()), sum(cpu.values())

    removed = {effect.name: effect.removed for effect in effects}
    mean_chars = sum(len(record_text(r)) for r in loaded[:2000]) / min(len(loaded), 2000)
    result = {"records": records, "mean_chars_per_record": round(mean_chars), "planted": planted,
              "dropped_invalid": dict(report.dropped), "dedupe_removed": removed, "kept": len(kept),
              "seconds": {k: round(v, 2) for k, v in timings.items()},
              "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
              "load_average_1min": round(os.getloadavg()[0], 1), "cpu_count": os.cpu_count(),
              "records_per_second": round(records / timings["total"]), "target_seconds": 60,
              "machine": f"{platform.processor() or platform.machine()}, python {platform.python_version()}"}
    if not keep:
        path.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--keep", help="write the generated file here and keep it")
    args = parser.parse_args()
    result = run(args.records, args.keep)
    print(f"{'step':<24}{'wall s':>10}{'CPU s':>10}")
    for step, seconds in result["seconds"].items():
        print(f"{step:<24}{seconds:>10.2f}{result['cpu_seconds'][step]:>10.2f}")
    print(f"(load average {result['load_average_1min']} on {result['cpu_count']} cores: other work shares the CPU)")
    print(f"\n{result['records']:,} records (~{result['mean_chars_per_record']} chars each): "
          f"{result['records_per_second']:,} records/s; target ≤ {result['target_seconds']} s "
          f"{'MET' if result['seconds']['total'] <= result['target_seconds'] else 'MISSED'}")
    print(f"planted {result['planted']}; dropped invalid {result['dropped_invalid']}; "
          f"dedupe removed {result['dedupe_removed']}; kept {result['kept']:,}")
    out = Path(__file__).parent / "results" / "bench_data.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
