"""`tuneline study`: compare methods at equal compute over seeds, and report."""

from __future__ import annotations

import argparse

from tuneline.cli.options import add_threads_option, use_threads


def register(subparsers) -> None:
    study = subparsers.add_parser(
        "study", help="compare methods × seeds × budgets from a common start, with one report",
        description="Run the study file's common start once, then every cell (method, hyperparameters, FLOPs "
                    "budget, seed) as an ordinary run under runs/<study>/cells/, judge each on held-out prompts, "
                    "and write runs/<study>/report/report.html. Run it again to continue a killed study: finished "
                    "cells are not run again.")
    study.add_argument("study", help="study YAML file (see examples/budget/study.yaml)")
    study.add_argument("--max-cells", type=int, metavar="N", help="run at most N unfinished cells, then report")
    study.add_argument("--report-only", action="store_true", help="write the report of the finished cells only")
    add_threads_option(study, "training and judging")
    study.set_defaults(handler=_study)


def _study(args: argparse.Namespace) -> int:
    from tuneline.study.run import run_study, study_folder, write_study_report

    if args.report_only:
        from tuneline.study.config import load_study

        config = load_study(args.study)
        write_study_report(config, study_folder(config))
        return 0
    use_threads(args)
    outcome = run_study(args.study, max_cells=args.max_cells)
    print(f"cells run: {len(outcome.executed)}, already finished: {len(outcome.skipped)}, left: {len(outcome.pending)}")
    print(f"report: {outcome.report}")
    return 0
