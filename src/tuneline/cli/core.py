"""Core commands: run, validate, models, chat, config."""

from __future__ import annotations

import argparse
import os
import sys

from tuneline.cli.options import add_stage_option


def register(subparsers) -> None:
    run = subparsers.add_parser("run", help="run a pipeline file (or resume a run)",
                                description="Run the stages of a pipeline file in order into runs/<name>/<run-id>/.")
    run.add_argument("pipeline", nargs="?", help="pipeline YAML file")
    run.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run from its last checkpoint")
    run.add_argument("--allow-data-change", action="store_true",
                     help="with --resume: go on although a data file changed since the run started (the stages "
                          "read the copy the run saved)")
    run.add_argument("--output-dir", help="where run directories are created (default: the file's output_dir, runs/)")
    run.add_argument("--nproc", type=int, default=1, metavar="N",
                     help="train data-parallel over N processes on this machine (torchrun; one per GPU, or gloo "
                          "on CPUs); the same as `torchrun --nproc_per_node N -m tuneline.cli.main run ...`")
    run.set_defaults(handler=_run)

    validate = subparsers.add_parser("validate", help="check a pipeline file, its models and data, without training",
                                     description="Validate the config, resolve model references, load and check the "
                                                 "data, and print the resolved plan.")
    validate.add_argument("pipeline", help="pipeline YAML file")
    validate.set_defaults(handler=_validate)

    models = subparsers.add_parser("models", help="builtin models and their state",
                                   description="List the builtin models and whether each is ready.")
    models_sub = models.add_subparsers(dest="models_command", metavar="SUBCOMMAND")
    models_list = models_sub.add_parser("list", help="list builtin models", description="List builtin models.")
    models_list.set_defaults(handler=_models_list)
    models.set_defaults(handler=_models_list)

    chat = subparsers.add_parser("chat", help="chat with a model or a run's result",
                                 description="Chat through the model's chat template: interactive, or one-shot with --prompt.")
    chat.add_argument("target", help="run directory (its last policy stage), stage folder, or model reference")
    add_stage_option(chat, "policy (sft, dpo, ppo, ...)")
    chat.add_argument("--prompt", help="one message; print the answer and exit")
    chat.add_argument("--system", help="system message")
    chat.add_argument("--max-new-tokens", type=int, default=256)
    chat.add_argument("--temperature", type=float, default=0.0, help="0 = greedy")
    chat.set_defaults(handler=_chat)

    config = subparsers.add_parser("config", help="explain the options of the pipeline file",
                                   description="Print every option of a section or stage type, with default and description.")
    config_sub = config.add_subparsers(dest="config_command", metavar="SUBCOMMAND")
    explain = config_sub.add_parser("explain", help="print the options of a stage type or section",
                                    description="Print the options of a stage type (sft, dpo, ...) or a section "
                                                "(pipeline, model, adapter, dataset); without one, list them.")
    explain.add_argument("what", nargs="?", help="stage type or section name (none: list them all)")
    explain.set_defaults(handler=_explain)


def _run(args: argparse.Namespace) -> int:
    from tuneline.errors import UserError
    from tuneline.pipeline.runner import run_pipeline

    if not args.pipeline and not args.resume:
        raise UserError("give a pipeline file, or --resume RUN_DIR", fix="tuneline run examples/quickstart/pipeline.yaml")
    if args.nproc < 1:
        raise UserError(f"--nproc must be at least 1 (got {args.nproc})")
    if args.nproc > 1 and "LOCAL_RANK" not in os.environ:
        from tuneline.pipeline.launch import launch_processes

        return launch_processes(args.nproc, [a for a in (args.pipeline,) if a]
                                + (["--resume", args.resume] if args.resume else [])
                                + (["--allow-data-change"] if args.allow_data_change else [])
                                + (["--output-dir", args.output_dir] if args.output_dir else []))
    run_pipeline(args.pipeline, resume=args.resume, output_dir=args.output_dir,
                 allow_data_change=args.allow_data_change)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from tuneline.pipeline.plan import describe_plan

    print(describe_plan(args.pipeline))
    return 0


def _models_list(args: argparse.Namespace) -> int:
    from tuneline.models.registry import BUILTINS, builtin_status

    for builtin in BUILTINS.values():
        print(f"builtin:{builtin.name:<24} {builtin.kind:<10} {builtin_status(builtin):<36} {builtin.description}")
    return 0


def _chat(args: argparse.Namespace) -> int:
    from tuneline.eval.generate import generate_chat
    from tuneline.models.load import load_for_inference

    model, tokenizer = load_for_inference(args.target, stage=args.stage)
    history = [{"role": "system", "content": args.system}] if args.system else []

    def answer(text: str) -> str:
        history.append({"role": "user", "content": text})
        reply = generate_chat(model, tokenizer, [history], max_new_tokens=args.max_new_tokens,
                              temperature=args.temperature)[0]
        history.append({"role": "assistant", "content": reply.text})
        return reply.text

    if args.prompt is not None:
        print(answer(args.prompt))
        return 0
    print("chat: type a message, Ctrl-D to quit", file=sys.stderr)
    while True:
        try:
            text = input("> ")
        except EOFError:
            return 0
        if text.strip():
            print(answer(text))


def _explain(args: argparse.Namespace) -> int:
    from tuneline.pipeline.explain import explain

    print(explain(args.what))
    return 0
