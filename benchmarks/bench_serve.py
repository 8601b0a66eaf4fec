"""Serving benchmark on the embedded SmolLM2-135M with three LoRA adapters.

1. Throughput: 8 concurrent clients spread over 3 adapters, against the same server in
   two modes: `mixed` (continuous batching, adapters mixed in one batch) and `swap` (one
   request at a time, the active adapter switched per request). Prints completion
   tokens/s of both and their ratio.
2. Load test: 500 requests from 16 concurrent clients, 5% of them malformed; counts
   status codes (5xx must be 0; every malformed request must get a 4xx) and reports
   p50/p99 latency.

Usage: python benchmarks/bench_serve.py [--requests-per-client 3] [--load-requests 500]
Writes benchmarks/results/bench_serve.json. Only talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ADAPTERS = ["summarise", "qa", "code"]
PROMPTS = {
    "summarise": "Summarise in one sentence: The town council met on Tuesday and agreed to repair the old bridge "
                 "before winter, after residents complained about the long detour to the market.",
    "qa": "Does the Trailhead 40 backpack come with a rain cover, and what is its warranty?",
    "code": "Write a Python function that returns the largest even number in a list, or None.",
}


ALL_LINEAR = "q_proj,k_proj,v_proj,o_proj,up_proj,down_proj,gate_proj"


def make_adapters(base_path: str, folder: Path, target_modules: list[str]) -> dict[str, str]:
    """Three LoRA adapters (r=8 on `target_modules`) with small random weights."""
    import torch
    from peft import LoraConfig, get_peft_model

    from tuneline.config.schema import ModelConfig
    from tuneline.models.load import load_causal_lm

    paths = {}
    for seed, name in enumerate(ADAPTERS, start=1):
        torch.manual_seed(seed)
        model, _ = load_causal_lm(ModelConfig(ref=base_path))
        config = LoraConfig(r=8, lora_alpha=16, target_modules=target_modules, init_lora_weights=False,
                            task_type="CAUSAL_LM")
        peft_model = get_peft_model(model, config)
        with torch.no_grad():
            for parameter_name, parameter in peft_model.named_parameters():
                if "lora_B" in parameter_name:
                    parameter.normal_(0, 0.002)
        peft_model.save_pretrained(folder / name)
        paths[name] = str(folder / name)
    return paths


def start(base: str, adapters: dict[str, str], batching: str, max_batch: int, log_db: str | None,
          threads: int | None = None):
    from tuneline.serve.app import RunningServer
    from tuneline.serve.config import Limits, ServerConfig
    from tuneline.serve.service import build_state

    config = ServerConfig(model=base, adapters=adapters, batching=batching, log_db=log_db, backend="transformers",
                          torch_threads=threads,
                          limits=Limits(max_batch_size=max_batch, max_concurrent_requests=64, max_tokens=256,
                                        request_timeout_s=3600, max_request_bytes=16384))
    return RunningServer(build_state(config))


def throughput(server, clients: int, per_client: int, max_tokens: int) -> dict:
    from openai import OpenAI

    client = OpenAI(base_url=f"{server.url}/v1", api_key="none", max_retries=0, timeout=900)

    def worker(index: int) -> int:
        adapter = ADAPTERS[index % len(ADAPTERS)]
        tokens = 0
        for round_ in range(per_client):
            reply = client.chat.completions.create(
                model=adapter, max_tokens=max_tokens, temperature=0,
                messages=[{"role": "user", "content": f"{PROMPTS[adapter]} (request {index}.{round_})"}])
            tokens += reply.usage.completion_tokens
        return tokens

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        tokens = sum(pool.map(worker, range(clients)))
    elapsed = time.perf_counter() - started
    return {"completion_tokens": tokens, "seconds": round(elapsed, 2), "tokens_per_s": round(tokens / elapsed, 2),
            "requests": clients * per_client}


MALFORMED = [
    ("missing messages", lambda: {"json": {"model": "qa"}}),
    ("path traversal model", lambda: {"json": {"model": "../../etc/passwd", "messages": [{"role": "user",
                                                                                            "content": "hi"}]}}),
    ("max_tokens too large", lambda: {"json": {"model": "qa", "max_tokens": 100000,
                                               "messages": [{"role": "user", "content": "hi"}]}}),
    ("invalid JSON", lambda: {"content": b"{\"model\": \"qa\", \"messages\": [", "headers": {
        "Content-Type": "application/json"}}),
    ("unknown model", lambda: {"json": {"model": "nope", "messages": [{"role": "user", "content": "hi"}]}}),
    ("bad role", lambda: {"json": {"model": "code", "messages": [{"role": "robot", "content": "hi"}]}}),
]


def load_test(server, requests: int, clients: int, malformed_every: int, max_tokens: int) -> dict:
    import httpx

    url = f"{server.url}/v1/chat/completions"

    def one(index: int) -> tuple[bool, int, float]:
        bad = index % malformed_every == malformed_every - 1
        if bad:
            kwargs = MALFORMED[(index // malformed_every) % len(MALFORMED)][1]()
        else:
            adapter = (ADAPTERS + ["auto", "base"])[index % 5]
            prompt = PROMPTS[ADAPTERS[index % 3]]
            kwargs = {"json": {"model": adapter, "max_tokens": max_tokens, "temperature": 0.7, "seed": index,
                               "messages": [{"role": "user", "content": prompt}], "stream": index % 7 == 0}}
        started = time.perf_counter()
        with httpx.Client(timeout=900) as http:
            response = http.post(url, **kwargs)
            response.read()
        return bad, response.status_code, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(requests)))
    elapsed = time.perf_counter() - started
    good_latency = sorted(latency for bad, _, latency in results if not bad)
    statuses: dict[str, int] = {}
    for _, status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {"requests": requests, "clients": clients, "malformed": sum(bad for bad, _, _ in results),
            "status_counts": statuses, "server_errors_5xx": sum(s >= 500 for _, s, _ in results),
            "malformed_answered_4xx": sum(bad and 400 <= s < 500 for bad, s, _ in results),
            "valid_answered_200": sum(not bad and s == 200 for bad, s, _ in results),
            "p50_latency_s": round(statistics.median(good_latency), 3),
            "p99_latency_s": round(good_latency[min(len(good_latency) - 1, int(0.99 * len(good_latency)))], 3),
            "seconds": round(elapsed, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests-per-client", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--load-requests", type=int, default=500)
    parser.add_argument("--load-clients", type=int, default=16)
    parser.add_argument("--load-max-tokens", type=int, default=8)
    parser.add_argument("--skip-load-test", action="store_true")
    parser.add_argument("--target-modules", default=ALL_LINEAR, help="comma-separated LoRA target modules")
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="CPU threads for the model; 1 is much faster when other jobs share the cores")
    parser.add_argument("--output", default=str(Path(__file__).parent / "results" / "bench_serve.json"))
    args = parser.parse_args()

    from tuneline.models.registry import resolve_model_path

    base = resolve_model_path("builtin:smollm2-135m-instruct")
    work = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    adapters = make_adapters(base, work / "adapters", args.target_modules.split(","))
    report: dict = {"model": "builtin:smollm2-135m-instruct", "torch_threads": args.torch_threads,
                    "lora_target_modules": args.target_modules, "load_average_at_start": list(os.getloadavg()),
                    "clients": args.clients, "adapters": len(ADAPTERS), "max_tokens": args.max_tokens}
    for mode in ("mixed", "swap"):
        with start(base, adapters, mode, max_batch=16, log_db=None, threads=args.torch_threads) as server:
            throughput(server, len(ADAPTERS), 1, 4)  # warm-up: first calls allocate
            report[mode] = throughput(server, args.clients, args.requests_per_client, args.max_tokens)
        print(f"{mode:<6} {report[mode]['tokens_per_s']:>8.2f} completion tokens/s "
              f"({report[mode]['completion_tokens']} tokens in {report[mode]['seconds']} s)", flush=True)
    report["ratio_mixed_over_swap"] = round(report["mixed"]["tokens_per_s"] / report["swap"]["tokens_per_s"], 2)
    print(f"ratio mixed/swap: {report['ratio_mixed_over_swap']:.2f}x (target >= 3x)", flush=True)

    if not args.skip_load_test:
        with start(base, adapters, "mixed", max_batch=16, log_db=str(work / "load.sqlite"),
                   threads=args.torch_threads) as server:
            report["load_test"] = load_test(server, args.load_requests, args.load_clients, 20, args.load_max_tokens)
        load = report["load_test"]
        print(f"load test: {load['requests']} requests, {load['clients']} clients, {load['malformed']} malformed → "
              f"statuses {load['status_counts']}, 5xx={load['server_errors_5xx']}, malformed→4xx "
              f"{load['malformed_answered_4xx']}/{load['malformed']}, p50 {load['p50_latency_s']} s, "
              f"p99 {load['p99_latency_s']} s, {load['seconds']} s total", flush=True)
    report["load_average_at_end"] = list(os.getloadavg())
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
