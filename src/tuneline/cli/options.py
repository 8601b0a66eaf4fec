"""Options several commands share."""

from __future__ import annotations


def add_stage_option(parser, role: str) -> None:
    """--stage NAME: which stage of a run directory a command uses (default: the last `role` stage)."""
    parser.add_argument("--stage", metavar="NAME",
                        help=f"with a run directory: the stage to use (default: its last {role} stage)")
