"""The `tuneline` command: parses arguments, calls the library, prints results.

Each command group lives in its own module with `register(subparsers)`; a user error
(tuneline.errors.UserError) prints a short message and exits 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = [
    "tuneline.cli.core",
    "tuneline.cli.predict",
    "tuneline.cli.data",
    "tuneline.cli.eval",
    "tuneline.cli.serve",
    "tuneline.cli.rl",
    "tuneline.cli.annotate",
    "tuneline.cli.audit",
    "tuneline.cli.study",
    "tuneline.cli.feedback",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tuneline",
        description="Fine-tune, align, evaluate and serve language models from one pipeline file.",
    )
    parser.add_argument("--version", action="version", version=f"tuneline {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _version() -> str:
    from tuneline import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    from tuneline.errors import UserError

    try:
        result = args.handler(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
