"""`tuneline annotate serve|add|generate|export|admin`: collect human preferences."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers) -> None:
    annotate = subparsers.add_parser(
        "annotate", help="collect human preferences in a web app backed by a database",
        description="Compare model answers in a browser (pairwise, ranking or 1-5 rating), on SQLite or PostgreSQL; "
                    "export the votes as preference data, or train from the database with `format: annotations`.")
    sub = annotate.add_subparsers(dest="annotate_command", metavar="SUBCOMMAND")

    serve = sub.add_parser("serve", help="run the annotation web app")
    serve.add_argument("config", help="annotation config (YAML)")
    serve.add_argument("--host", help="override the config's host")
    serve.add_argument("--port", type=int, help="override the config's port")
    serve.set_defaults(handler=_serve)

    add = sub.add_parser("add", help="add prompts with their candidate answers from a JSONL file",
                         description='Each line: {"id"?: ..., "prompt": text or messages, "answers": [text or '
                                     '{"text": ..., "model": ...}, ...]}. Items are assigned to the config\'s annotators.')
    add.add_argument("config")
    add.add_argument("file")
    add.set_defaults(handler=_add)

    generate = sub.add_parser("generate", help="sample candidate answers for prompts and add them as items")
    generate.add_argument("config")
    source = generate.add_mutually_exclusive_group(required=True)
    source.add_argument("--prompts", help="JSONL of {\"prompt\": ...}")
    source.add_argument("--from-log", help="a serving request log (requests.sqlite): its answered prompts")
    generate.add_argument("--model", action="append", default=[], metavar="NAME=REF",
                          help="a local model, adapter folder or run directory to answer with (repeatable)")
    generate.add_argument("--endpoint", help="an OpenAI-compatible base URL (…/v1) to answer with")
    generate.add_argument("--endpoint-model", action="append", default=[], metavar="NAME",
                          help="model names to ask the endpoint for (repeatable)")
    generate.add_argument("--api-key", help="bearer key for the endpoint")
    generate.add_argument("--concurrency", type=int, default=16,
                          help="requests in flight to the endpoint (default 16: tuneline serve's batch size)")
    generate.add_argument("--samples", type=int, default=1, help="answers per model and prompt (default 1)")
    generate.add_argument("--limit", type=int, help="use at most this many prompts")
    generate.add_argument("--max-new-tokens", type=int, default=128)
    generate.add_argument("--temperature", type=float, default=0.7)
    generate.set_defaults(handler=_generate)

    export = sub.add_parser("export", help="write the votes as preference JSONL with provenance")
    export.add_argument("config")
    export.add_argument("output", help="output .jsonl")
    export.add_argument("--ties", choices=["drop", "soft"], default="drop",
                        help="drop: ties and both-bad votes are left out; soft: a tie counts half for each side")
    export.add_argument("--min-strength", type=float, default=0.0, help="keep pairs whose chosen share is at least this")
    export.add_argument("--ratings", help="also write the 1-5 ratings to this JSONL")
    export.set_defaults(handler=_export)

    admin = sub.add_parser("admin", help="tokens and statistics")
    admin_sub = admin.add_subparsers(dest="admin_command", metavar="ACTION")
    tokens = admin_sub.add_parser("tokens", help="print a fresh token for every annotator (and the admin) without one")
    tokens.add_argument("config")
    tokens.add_argument("--rotate", action="append", default=[], metavar="NAME",
                        help="replace this person's token (use 'admin' for the admin token)")
    tokens.set_defaults(handler=_tokens)
    stats = admin_sub.add_parser("stats", help="progress, agreement and the most disagreed items, as JSON")
    stats.add_argument("config")
    stats.set_defaults(handler=_stats)
    admin.set_defaults(handler=lambda args: admin.print_help() or 2)
    annotate.set_defaults(handler=lambda args: annotate.print_help() or 2)


def _open(path: str):
    from tuneline.annotate.config import load_annotate_config
    from tuneline.data.annotations.store import AnnotationStore

    config = load_annotate_config(path)
    return config, AnnotationStore(config.database)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from tuneline.annotate.app import create_app

    config, store = _open(args.config)
    assigned = store.assign(config.annotators, config.overlap, config.seed)
    missing = [name for name in config.annotators if name not in store.token_names()]
    if missing:
        print(f"annotators without a token: {', '.join(missing)} (run `tuneline annotate admin tokens "
              f"{args.config}`)", file=sys.stderr)
    host, port = args.host or config.host, args.port or config.port
    print(f"annotation app on http://{host}:{port}/ ({store.item_count()} items, {assigned} new assignments)",
          flush=True)
    uvicorn.run(create_app(store, config), host=host, port=port, log_level="warning")
    return 0


def _add_items(args: argparse.Namespace, config, store, new_items) -> int:
    added, skipped = store.add_items(new_items)
    assigned = store.assign(config.annotators, config.overlap, config.seed)
    print(f"{added} items added ({skipped} already there), {assigned} assignments made")
    return 0


def _add(args: argparse.Namespace) -> int:
    from tuneline.annotate.candidates import items_from_jsonl

    config, store = _open(args.config)
    return _add_items(args, config, store, items_from_jsonl(args.file, config.task))


def _generate(args: argparse.Namespace) -> int:
    from tuneline.annotate.candidates import (
        endpoint_sampler,
        generate_candidates,
        local_sampler,
        prompts_from_jsonl,
        prompts_from_log,
    )
    from tuneline.errors import UserError

    config, store = _open(args.config)
    prompts = prompts_from_log(args.from_log, args.limit) if args.from_log else prompts_from_jsonl(args.prompts)
    prompts = prompts[: args.limit] if args.limit else prompts
    samplers = {}
    for spec in args.model:
        name, _, reference = spec.partition("=")
        if not reference:
            raise UserError(f"--model {spec!r} is not NAME=REF", fix="e.g. --model dpo=runs/quickstart/RUN/dpo/adapter")
        samplers[name] = local_sampler(reference, args.max_new_tokens, args.temperature)
    for name in args.endpoint_model:
        if not args.endpoint:
            raise UserError("--endpoint-model needs --endpoint URL", fix="add --endpoint http://HOST:PORT/v1")
        samplers[name] = endpoint_sampler(args.endpoint, name, args.max_new_tokens, args.temperature, args.api_key,
                                          max(1, args.concurrency))
    if not samplers:
        raise UserError("no model to answer with", fix="add --model NAME=REF or --endpoint URL --endpoint-model NAME")
    if not prompts:
        raise UserError("no prompts found", where=args.from_log or args.prompts,
                        fix="check the file; a request log holds only answered chat requests")
    return _add_items(args, config, store, generate_candidates(prompts, samplers, args.samples))


def _export(args: argparse.Namespace) -> int:
    from tuneline.data.annotations.export import preference_rows, rating_rows
    from tuneline.io import atomic_write_text

    _config, store = _open(args.config)
    rows = preference_rows(store, ties=args.ties, min_strength=args.min_strength)
    atomic_write_text(args.output, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    print(f"{len(rows)} preference pairs written to {args.output} (ties: {args.ties})")
    if args.ratings:
        ratings = rating_rows(store)
        atomic_write_text(args.ratings, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in ratings))
        print(f"{len(ratings)} rated answers written to {args.ratings}")
    return 0


def _tokens(args: argparse.Namespace) -> int:
    config, store = _open(args.config)
    have = store.token_names()
    for name, role in [("admin", "admin")] + [(name, "annotator") for name in config.annotators]:
        if name not in have or name in args.rotate:
            print(f"{name}\t{role}\t{store.issue_token(name, role)}")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from tuneline.data.annotations.agreement import agreement_report

    _config, store = _open(args.config)
    print(json.dumps({"items": store.item_count(), "progress": store.progress(),
                      "agreement": agreement_report(store.votes())}, indent=2))
    return 0
