"""GPU benchmark (issue 19): on one CUDA GPU, in about 8 minutes,

1. LoRA SFT of a ~1.2B llama-architecture model with random weights (hidden 2048, 16
   layers, SmolLM2's tokenizer and chat template), bf16 weights: tokens/s, peak GPU
   memory and MFU for tuneline's sft stage and for TRL's SFTTrainer with its defaults
   (bf16, gradient checkpointing), at the same batch, length, steps and LoRA;
2. QLoRA (NF4 base) against bf16 LoRA: peak GPU memory and tokens/s of the same steps;
3. generation: vLLM (if installed) against transformers' generate, tokens/s on the same
   prompts and lengths.

Each measurement runs in its own process (its own peak memory, no allocator state carried
over). MFU = tokens/s x training FLOPs per token (4N for LoRA; tuneline.train.flops) over
the bf16 matmul FLOP/s measured on this GPU just before (8192^2 products), not a datasheet.

    python benchmarks/gpu/run.py            # needs CUDA; writes benchmarks/results/gpu.json
    python benchmarks/gpu/run.py --tiny     # CPU-safe dry run of the plumbing on a 2-layer model
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402

LORA = {"type": "lora", "r": 16, "alpha": 32, "dropout": 0.05, "target_modules": "all-linear"}
FULL_SIZE = {"hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 16, "num_attention_heads": 32,
             "num_key_value_heads": 8}
TINY_SIZE = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
             "num_key_value_heads": 2}
SIDES = ["tuneline", "trl", "tuneline-qlora", "generate-hf", "generate-vllm"]


def settings(args: argparse.Namespace) -> dict[str, Any]:
    if args.tiny:
        return {"size": TINY_SIZE, "batch_size": 2, "max_length": 128, "steps": 2, "prompts": 4, "new_tokens": 8}
    return {"size": FULL_SIZE, "batch_size": 8, "max_length": 1024, "steps": 30, "prompts": 64, "new_tokens": 256}


def write_model(folder: Path, size: dict[str, int]) -> Path:
    """A llama with random weights (bf16) and SmolLM2's tokenizer, saved as a plain HF folder."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from tuneline.models.registry import resolve_model_path

    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path("builtin:smollm2-135m-instruct"))
    config = LlamaConfig(vocab_size=len(tokenizer), max_position_embeddings=4096, tie_word_embeddings=True,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, **size)
    torch.manual_seed(0)
    with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
        model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def write_data(path: Path, examples: int, max_length: int) -> Path:
    """Conversations whose answers fill about `max_length` tokens: the quickstart's answers
    strung together (random weights learn nothing useful; the work per step is what counts)."""
    answers = [json.loads(line)["messages"][-1]["content"]
               for line in (common.QUICKSTART / "sft_train.jsonl").read_text().splitlines()]
    words_wanted = int(max_length * 0.6)
    rows = []
    for i in range(examples):
        words: list[str] = []
        j = i
        while len(words) < words_wanted:
            words += answers[j % len(answers)].split()
            j += 1
        rows.append({"messages": [{"role": "user", "content": f"Question {i}: explain the app."},
                                  {"role": "assistant", "content": " ".join(words[:words_wanted])}]})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def training_tokens(model_dir: Path, data: Path, max_length: int) -> int:
    from tuneline.data.chat import tokenize_conversation
    from tuneline.models.load import load_tokenizer

    tokenizer = load_tokenizer(str(model_dir))
    return sum(len(tokenize_conversation(tokenizer, json.loads(line)["messages"], max_length).input_ids)
               for line in data.read_text().splitlines())


def device_peak() -> tuple[str, float]:
    """(device type, measured bf16 matmul FLOP/s): the MFU denominator."""
    import torch

    from tuneline.train.flops import peak_matmul_flops

    device = "cuda" if torch.cuda.is_available() else "cpu"
    return device, peak_matmul_flops("bfloat16" if device == "cuda" else "float32", device)


def lora_flops_per_token(model_dir: Path) -> float:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from tuneline.train.flops import training_flops_per_token

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(model_dir))
    return training_flops_per_token(model, full_finetune=False)


def peak_memory_gib() -> float | None:
    import torch

    return round(torch.cuda.max_memory_allocated() / 2**30, 2) if torch.cuda.is_available() else None


def tuneline_side(args: argparse.Namespace, quantized: bool = False) -> dict[str, Any]:
    s = settings(args)
    device, peak = device_peak()
    adapter = {**LORA, **({"load_in_4bit": True, "bnb_4bit_quant_storage": "bfloat16"} if quantized else {})}
    dtype = "bfloat16" if device == "cuda" else "float32"
    stage = {"type": "sft", "dataset": "long", "max_steps": s["steps"], "precision": "auto",
             "gradient_checkpointing": False, "micro_batch_tokens": "auto", "group_by_length": "auto"}
    bench_args = argparse.Namespace(batch_size=s["batch_size"], max_length=s["max_length"], learning_rate=2e-4,
                                    eval_examples=1, micro_batch_tokens="auto", group_by_length="auto", seed=42)
    with tempfile.TemporaryDirectory() as folder:
        _, metrics, _, rss = common.run_tuneline_stage(
            Path(folder), "sft", stage, {"long": {"path": str(args.data), "eval_fraction": 0.0}}, bench_args,
            model={"ref": str(args.model_dir), "dtype": dtype}, adapter=adapter)
    tokens = training_tokens(args.model_dir, args.data, s["max_length"])
    return {**common.throughput(tokens, metrics["train_runtime_s"], metrics["steps"],
                                lora_flops_per_token(args.model_dir), peak),
            "loop_mfu": metrics.get("mfu"), "peak_gpu_gib": peak_memory_gib(), "peak_flops": peak,
            "peak_rss_mib": round(rss.peak_bytes / common.MIB, 1), "settings": {"adapter": adapter, **stage}}


def trl_side(args: argparse.Namespace) -> dict[str, Any]:
    import torch
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from tuneline.config.schema import ModelConfig
    from tuneline.models.load import load_causal_lm

    s = settings(args)
    device, peak = device_peak()
    # the same bf16 weights as the tuneline side (fp32 for the CPU dry run)
    model, tokenizer = load_causal_lm(ModelConfig(ref=str(args.model_dir),
                                                  dtype="bfloat16" if device == "cuda" else "float32"))
    records = [json.loads(line)["messages"] for line in args.data.read_text().splitlines()]
    dataset = Dataset.from_list([{"prompt": m[:-1], "completion": m[-1:]} for m in records])
    with tempfile.TemporaryDirectory() as folder:
        config = SFTConfig(output_dir=folder, per_device_train_batch_size=s["batch_size"], max_length=s["max_length"],
                           max_steps=s["steps"], learning_rate=2e-4, logging_steps=1, save_strategy="no",
                           report_to="none", seed=42, use_cpu=device == "cpu",
                           **({} if device == "cuda" else {"bf16": False}))
        trainer = SFTTrainer(model=model, args=config, train_dataset=dataset, processing_class=tokenizer,
                             peft_config=common.trl_lora_config())
        output = trainer.train()
    tokens = training_tokens(args.model_dir, args.data, s["max_length"])
    return {**common.throughput(tokens, output.metrics["train_runtime"], output.global_step,
                                lora_flops_per_token(args.model_dir), peak),
            "peak_gpu_gib": peak_memory_gib(), "peak_flops": peak,
            "settings": {"bf16": config.bf16, "gradient_checkpointing": config.gradient_checkpointing,
                         "torch_dtype_loaded": str(next(model.parameters()).dtype).replace("torch.", ""),
                         "cuda": torch.cuda.is_available()}}


def prompts_for(args: argparse.Namespace) -> list[list[dict[str, str]]]:
    return [[{"role": "user", "content": f"Question {i}: how do I export my data?"}]
            for i in range(settings(args)["prompts"])]


def generate_hf_side(args: argparse.Namespace) -> dict[str, Any]:
    from tuneline.eval.generate import generate_chat
    from tuneline.models.load import load_causal_lm

    s = settings(args)
    model, tokenizer = load_causal_lm(str(args.model_dir))
    generate_chat(model, tokenizer, prompts_for(args)[:2], max_new_tokens=4, batch_size=2)  # warm-up
    started = time.perf_counter()
    answers = generate_chat(model, tokenizer, prompts_for(args), max_new_tokens=s["new_tokens"],
                            temperature=1.0, batch_size=s["prompts"])
    seconds = time.perf_counter() - started
    tokens = sum(a.num_tokens + a.finished_with_eos for a in answers)
    return {"generated_tokens": tokens, "seconds": round(seconds, 2), "tokens_per_second": round(tokens / seconds, 1),
            "peak_gpu_gib": peak_memory_gib()}


def generate_vllm_side(args: argparse.Namespace) -> dict[str, Any]:
    from tuneline.data.chat import tokenize_prompt
    from tuneline.models.load import load_tokenizer
    from tuneline.models.vllm_generate import VllmGenerator

    s = settings(args)
    tokenizer = load_tokenizer(str(args.model_dir))
    prompts = [tokenize_prompt(tokenizer, p) for p in prompts_for(args)]
    started_engine = time.perf_counter()
    generator = VllmGenerator(str(args.model_dir), gpu_memory_utilization=0.8)
    generator.generate(prompts[:2], 4, 1.0, 1.0, tokenizer.eos_token_id)  # warm-up
    engine_seconds = time.perf_counter() - started_engine
    started = time.perf_counter()
    answers = generator.generate(prompts, s["new_tokens"], 1.0, 1.0, tokenizer.eos_token_id)
    seconds = time.perf_counter() - started
    tokens = sum(len(t) + done for t, done in answers)
    return {"generated_tokens": tokens, "seconds": round(seconds, 2), "tokens_per_second": round(tokens / seconds, 1),
            "engine_start_s": round(engine_seconds, 1)}


SIDE_FUNCTIONS = {"tuneline": tuneline_side, "trl": trl_side,
                  "tuneline-qlora": lambda a: tuneline_side(a, quantized=True),
                  "generate-hf": generate_hf_side, "generate-vllm": generate_vllm_side}


def run_side(side: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "side.json"
        command = [sys.executable, __file__, "--side", side, "--side-output", str(out), "--model-dir",
                   str(args.model_dir), "--data", str(args.data), *(["--tiny"] if args.tiny else [])]
        started = time.perf_counter()
        completed = subprocess.run(command, cwd=common.ROOT)
        if completed.returncode != 0:
            return {"failed": f"exit {completed.returncode}", "process_wall_s": round(time.perf_counter() - started, 1)}
        figures = json.loads(out.read_text())
    figures["process_wall_s"] = round(time.perf_counter() - started, 1)
    return figures


def gpu_name() -> str:
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none (CPU dry run)"


def print_table(report: dict[str, Any]) -> None:
    sides = report["sides"]
    print(f"\nGPU: {report['gpu']}; model: llama {report['settings']['size']}, random bf16 weights, LoRA r=16 all-linear")
    print(f"{'side':<16}{'tok/s':>10}{'s/step':>9}{'MFU':>8}{'peak GiB':>10}  note")
    for name in ("tuneline", "trl", "tuneline-qlora"):
        row = sides.get(name, {})
        if "tokens_per_second" in row:
            mem = row.get("peak_gpu_gib")
            print(f"{name:<16}{row['tokens_per_second']:>10.0f}{row['s_per_step']:>9.3f}{row['mfu']:>8.1%}"
                  f"{mem if mem is not None else '-':>10}  {json.dumps(row.get('settings', {}))[:80]}")
        else:
            print(f"{name:<16}{'-':>10}  {row.get('failed') or row.get('skipped', 'not run')}")
    for name in ("generate-hf", "generate-vllm"):
        row = sides.get(name, {})
        figure = f"{row['tokens_per_second']:.0f} tok/s ({row['generated_tokens']} tokens in {row['seconds']} s)" \
            if "tokens_per_second" in row else (row.get("failed") or row.get("skipped", "not run"))
        print(f"{name:<16}{figure}")
    if "tokens_per_second" in sides.get("tuneline", {}) and "tokens_per_second" in sides.get("trl", {}):
        print(f"\ntuneline / TRL tokens/s: x{sides['tuneline']['tokens_per_second'] / sides['trl']['tokens_per_second']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="2-layer model, 2 steps: a CPU-safe dry run")
    parser.add_argument("--sides", default=",".join(SIDES), help=f"comma-separated, of {SIDES}")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--side-output", help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        Path(args.side_output).write_text(json.dumps(SIDE_FUNCTIONS[args.side](args), indent=2))
        return
    import importlib.util

    import torch

    if not torch.cuda.is_available() and not args.tiny:
        raise SystemExit("benchmarks/gpu/run.py needs a CUDA GPU (torch.cuda.is_available() is False here); "
                         "`--tiny` dry-runs its CPU-safe parts on a 2-layer model")
    s = settings(args)
    started = time.perf_counter()
    report: dict[str, Any] = {"benchmark": "gpu", "gpu": gpu_name(), "settings": s, "versions": common.versions(),
                              "sides": {}}
    with tempfile.TemporaryDirectory() as folder:
        args.model_dir = write_model(Path(folder) / "model", s["size"])
        args.data = write_data(Path(folder) / "long.jsonl", s["batch_size"] * s["steps"], s["max_length"])
        for side in args.sides.split(","):
            if side == "generate-vllm" and not (torch.cuda.is_available() and importlib.util.find_spec("vllm")):
                report["sides"][side] = {"skipped": "needs CUDA and the vllm package"}
                continue
            print(f"--- {side}", flush=True)
            report["sides"][side] = run_side(side, args)
    report["wall_s"] = round(time.perf_counter() - started, 1)
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    out = common.RESULTS / ("gpu-tiny.json" if args.tiny else "gpu.json")
    out.write_text(json.dumps(report, indent=2))
    print_table(report)
    print(f"\nwritten: {out.relative_to(common.ROOT)} ({report['wall_s']:.0f} s)")


if __name__ == "__main__":
    main()
