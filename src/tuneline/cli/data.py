"""`tuneline data inspect FILE`, `tuneline data prepare CONFIG` and `tuneline data synth CONFIG`."""

from __future__ import annotations

import argparse
import json


def register(subparsers) -> None:
    data = subparsers.add_parser("data", help="inspect and prepare datasets",
                                 description="Look at a dataset as training will see it, or curate it.")
    data_sub = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND")

    inspect = data_sub.add_parser(
        "inspect", help="detected format, counts, length histogram and three rendered records",
        description="Load FILE (format auto-detected unless --format), report what was detected and why, what was "
                    "kept and dropped (by reason), the token-length histogram with the model's tokenizer, and three "
                    "records rendered through the chat template exactly as training sees them.")
    inspect.add_argument("file", help="data file, saved dataset folder, or hub dataset name")
    inspect.add_argument("--format", default="auto", help="auto (default) or a format name, e.g. alpaca, hh, csv")
    inspect.add_argument("--task", default=None,
                         help="sft, preference, feedback, classification or prompt (default: what the format holds)")
    inspect.add_argument("--model", default=None,
                         help="whose tokenizer and chat template (default: builtin:minilm-l6 for classification, "
                              "builtin:smollm2-135m-instruct otherwise)")
    inspect.add_argument("--max-length", type=int, default=512, help="token budget to count truncation against")
    inspect.add_argument("--column", action="append", default=[], metavar="SOURCE=CANONICAL",
                         help="rename a field, e.g. --column question=prompt (repeatable)")
    inspect.add_argument("--split", help="split of a saved dataset or hub dataset")
    inspect.set_defaults(handler=_inspect)

    prepare = data_sub.add_parser(
        "prepare", help="curate a dataset and write it with a report of each filter's effect",
        description="Read a prepare file (dataset, task, model, max_length, curation, output), load and validate "
                    "the data, deduplicate (exact and MinHash near-duplicates), filter, optionally scrub PII, remove "
                    "train/eval leakage, and write train.jsonl, eval.jsonl, report.json and report.txt.")
    prepare.add_argument("config", help="prepare YAML file")
    prepare.add_argument("--json", action="store_true", help="print the report as JSON")
    prepare.set_defaults(handler=_prepare)

    synth = data_sub.add_parser(
        "synth", help="question/answer pairs from a folder of documents, written by a teacher model",
        description="Read a synth file (docs, output, teacher, filters): chunk the documents (.md, .txt, .html) by "
                    "headings, then word windows with overlap; have the teacher (a local or builtin chat model, or "
                    "an OpenAI-compatible endpoint) write question/answer pairs and questions the docs do not "
                    "answer; keep the pairs it finds supported by their passage; drop near-duplicates; write "
                    "train.jsonl and eval.jsonl (SFT records that keep their passage) and report.json. Each "
                    "chunk's result is cached: run it again after a kill and finished chunks are not redone.")
    synth.add_argument("config", help="synth YAML file")
    synth.set_defaults(handler=_synth)
    data.set_defaults(handler=lambda args: data.print_help() or 2)


def _columns(pairs: list[str]) -> dict[str, str]:
    from tuneline.errors import UserError

    columns = {}
    for pair in pairs:
        source, sep, canonical = pair.partition("=")
        if not sep or not source or not canonical:
            raise UserError(f"--column {pair!r} is not SOURCE=CANONICAL", fix="e.g. --column question=prompt")
        columns[source] = canonical
    return columns


def _inspect(args: argparse.Namespace) -> int:
    from tuneline.data.inspect import inspect_dataset
    from tuneline.models.load import load_tokenizer

    print(inspect_dataset(args.file, format=args.format, task=args.task, columns=_columns(args.column),
                          max_length=args.max_length, split=args.split, model=args.model,
                          load_tokenizer=load_tokenizer))
    return 0


def _prepare(args: argparse.Namespace) -> int:
    from tuneline.data.prepare import prepare_dataset, read_prepare_config
    from tuneline.models.load import load_tokenizer

    config = read_prepare_config(args.config)
    result = prepare_dataset(config, load_tokenizer(config.model) if config.model else None)
    if args.json:
        print(json.dumps(json.loads((result.output / "report.json").read_text()), indent=2))
    else:
        print(result.summary())
    return 0


def _synth(args: argparse.Namespace) -> int:
    from tuneline.data.synth.config import read_synth_config
    from tuneline.eval.synth import synthesize

    config = read_synth_config(args.config)
    report = synthesize(config)
    print(f"{report['kept']} pairs kept ({report['train']} train, {report['eval']} eval; unanswerable "
          f"{report['unanswerable']['train']} + {report['unanswerable']['eval']}) from {report['chunks']} chunks of "
          f"{report['documents']} documents; {report['chunks_from_cache']} chunks from the cache")
    for reason, count in report["dropped"].items():
        print(f"  dropped: {count} × {reason}")
    print(f"written: {config.output}/train.jsonl, eval.jsonl, report.json")
    return 0
