"""Serving commands: serve (OpenAI-compatible API), monitor (training/serving skew), export (deployment formats)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tuneline.cli.options import add_stage_option
from tuneline.config.references import is_builtin


def register(subparsers) -> None:
    serve = subparsers.add_parser("serve", help="serve a base model and its adapters over an OpenAI-compatible API",
                                  description="Start the HTTP server described by a serving config (YAML), or "
                                              "one that serves a run's policy: /v1/models, /v1/chat/completions, "
                                              "/v1/completions, /health, /metrics.")
    serve.add_argument("config", metavar="CONFIG|RUN_DIR",
                       help="serving config YAML (see examples/tiered/serve.yaml), or a run directory (its last "
                            "policy stage, served under the stage's name) or stage folder")
    add_stage_option(serve, "policy")
    serve.add_argument("--host", help="override the config's host")
    serve.add_argument("--port", type=int, help="override the config's port")
    serve.add_argument("--run-dir", help="override the config's run_dir (a run directory, or runs/<name>)")
    serve.add_argument("--batching", choices=["mixed", "swap"], help="override the config's batching mode")
    serve.add_argument("--allow-blocked", action="append", default=[], metavar="NAME",
                       help="serve this adapter although its safety gate blocked it (logged; repeatable)")
    serve.set_defaults(handler=_serve)

    monitor = subparsers.add_parser("monitor", help="compare served prompts with the training data",
                                    description="Read the server's request log and each adapter's training data; "
                                                "report length and embedding drift and routing shares; flag skew "
                                                "(exit 3 when skew is flagged).")
    monitor.add_argument("log_db", help="the server's SQLite request log")
    monitor.add_argument("--train", action="append", default=[], metavar="ADAPTER=PATH",
                         help="training data of an adapter (repeatable); ADAPTER 'all' compares every request")
    monitor.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    monitor.set_defaults(handler=_monitor)

    export = subparsers.add_parser(
        "export", help="write a model for deployment: HF folder, GGUF (+ Ollama Modelfile) or ONNX",
        description="Merge a LoRA adapter (run dir, stage folder or adapter/; a QLoRA adapter into its dequantised "
                    "base) and write it for a serving engine. hf: safetensors folder for transformers, vLLM, TGI. "
                    "gguf: one llama.cpp/Ollama file with tokenizer, chat template and EOS (llama architecture). "
                    "onnx: a classify stage's model for ONNX Runtime (tuneline predict runs it).")
    export.add_argument("target", help="run directory (its last policy stage), stage folder, adapter/ or model/ "
                                        "folder, or builtin:NAME")
    add_stage_option(export, "policy")
    export.add_argument("output", help="folder to write")
    export.add_argument("--format", default="hf", choices=["hf", "gguf", "onnx"], help="default: hf")
    export.add_argument("--quant", default="f16", choices=["f16", "q8_0", "q4_0"], help="GGUF weight type (default f16)")
    export.add_argument("--ollama", action="store_true", help="with --format gguf: also write an Ollama Modelfile")
    export.add_argument("--base", help="base model, when the adapter does not record it")
    export.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"],
                        help="dtype of the merge and of the hf folder")
    export.add_argument("--check", type=int, default=0, metavar="N",
                        help="reload the export and compare it with the original on N prompts (up to 8): "
                             "greedy tokens (hf, gguf) or logits (onnx)")
    export.set_defaults(handler=_export)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from tuneline.errors import UserError
    from tuneline.progress import info
    from tuneline.serve.app import create_app
    from tuneline.serve.config import config_for_artifact, load_server_config
    from tuneline.serve.service import build_state

    if Path(args.config).is_dir():
        config = config_for_artifact(args.config, args.stage)
    elif args.stage:
        raise UserError("--stage picks a stage of a run directory; a serving config names its adapters itself",
                        fix=f"give a run directory instead of {args.config}, or drop --stage")
    else:
        config = load_server_config(args.config, run_dir=args.run_dir)
    overrides = {k: v for k, v in {"host": args.host, "port": args.port, "batching": args.batching,
                                   "allow_blocked": config.allow_blocked + args.allow_blocked}.items() if v}
    config = config.model_copy(update=overrides)
    state = build_state(config)
    info(f"serving {', '.join(state.model_names())} on http://{config.host}:{config.port}/v1 "
         f"({config.batching} batching)")
    try:
        uvicorn.run(create_app(state), host=config.host, port=config.port, log_level="warning")
    finally:
        state.engine.shutdown()
    return 0


def _monitor(args: argparse.Namespace) -> int:
    from tuneline.errors import UserError
    from tuneline.io import atomic_write_json
    from tuneline.serve.monitor import format_report, monitor

    if not Path(args.log_db).exists():
        raise UserError(f"request log not found: {args.log_db}", fix="give the log_db path of the serving config")
    training = {}
    for item in args.train:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise UserError(f"--train expects ADAPTER=PATH, got '{item}'", fix="e.g. --train code=data/code.jsonl")
        training[name] = path
    if not training:
        raise UserError("give the training data to compare with", fix="--train ADAPTER=PATH (repeatable)")
    report = monitor(args.log_db, training)
    print(format_report(report))
    if args.json:
        atomic_write_json(args.json, report)
    return 3 if report["skew"] else 0


def _export(args: argparse.Namespace) -> int:
    from tuneline.export.checks import check_export
    from tuneline.export.run import export_model
    from tuneline.models.artifacts import stage_folder

    if not is_builtin(args.target):
        args.target = stage_folder(args.target, "policy" if args.format != "onnx" else "classifier", args.stage)
    result = export_model(args.target, args.output, args.format, quant=args.quant, ollama=args.ollama,
                          dtype=args.dtype, base=args.base)
    print(f"{args.format} export written to {result.output}")
    for note in result.notes:
        print(f"note: {note}")
    if "engines" in result.record:
        print(f"loads with: {', '.join(result.record['engines'])} (see {result.output / 'SERVING.md'})")
    if args.check:
        report = check_export(result, args.target, args.check)
        print(json.dumps(report))
        return 0 if report["ok"] else 1
    return 0
