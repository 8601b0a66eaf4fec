"""Options several commands share."""

from __future__ import annotations


def add_stage_option(parser, role: str) -> None:
    """--stage NAME: which stage of a run directory a command uses (default: the last `role` stage)."""
    parser.add_argument("--stage", metavar="NAME",
                        help=f"with a run directory: the stage to use (default: its last {role} stage)")


def add_threads_option(parser, what: str = "the local models") -> None:
    """--threads N: torch's CPU threads (see `use_threads`)."""
    parser.add_argument("--threads", type=int, help=f"CPU threads for {what} (default: OMP_NUM_THREADS if set, else "
                                                    "the cores the load average leaves idle, at least 1)")


def use_threads(args) -> None:
    """Apply --threads (or its default) and say how many: on a shared machine torch's default
    of every core made its threads wait on each other (docs/safety.md: 24x slower)."""
    from tuneline.errors import UserError
    from tuneline.progress import info
    from tuneline.runtime import use_cpu_threads

    if args.threads is not None and args.threads < 1:
        raise UserError(f"--threads is {args.threads}", fix="give at least 1, or leave it out to use the idle cores")
    info(f"CPU threads: {use_cpu_threads(args.threads)}")
