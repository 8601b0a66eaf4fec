"""`tuneline score`: score a JSONL of prompt/response pairs with a reward model."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from tuneline.cli.options import add_stage_option


def register(subparsers) -> None:
    score = subparsers.add_parser(
        "score", help="score prompt/response pairs with a reward model",
        description="Score each line of a JSONL file ({\"prompt\": text or messages, \"response\": text}) with a "
                    "reward model (a `reward` stage folder or any sequence-classification model); prints the lines "
                    "with a \"reward\" field added, and a summary on stderr.")
    score.add_argument("model", help="run directory (its last reward stage), reward stage folder, its model/ "
                                     "folder, or a model reference")
    add_stage_option(score, "reward")
    score.add_argument("file", help="JSONL with prompt and response (or completion) on each line")
    score.add_argument("--output", help="write the scored lines here instead of stdout")
    score.add_argument("--batch-size", type=int, default=8)
    score.add_argument("--max-length", type=int, default=512)
    score.set_defaults(handler=_score)


def read_pairs(path: Path) -> list[tuple[list[dict[str, Any]], str, dict[str, Any]]]:
    """(prompt messages, response, original row) per line; DataError naming the line otherwise."""
    from tuneline.errors import DataError

    if not path.exists():
        raise DataError(f"file '{path}' does not exist", fix="give the path of a JSONL file")
    pairs = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"not valid JSON ({exc.msg})", where=where, fix="one JSON object per line") from None
        prompt = row.get("prompt") if isinstance(row, dict) else None
        response = row.get("response", row.get("completion")) if isinstance(row, dict) else None
        if isinstance(prompt, str):
            prompt = [{"role": "user", "content": prompt}]
        if not isinstance(prompt, list) or not prompt:
            raise DataError("missing 'prompt' (a string or a list of messages)", where=where,
                            fix='write {"prompt": "...", "response": "..."}')
        if not isinstance(response, str):
            raise DataError("missing 'response' (the answer text to score)", where=where,
                            fix='write {"prompt": "...", "response": "..."}')
        pairs.append((prompt, response, row))
    if not pairs:
        raise DataError(f"'{path}' has no lines to score", fix="add prompt/response lines")
    return pairs


def _score(args: argparse.Namespace) -> int:
    from tuneline.io import atomic_write_text
    from tuneline.models.artifacts import stage_folder
    from tuneline.rl.rewards import RewardModelReward

    pairs = read_pairs(Path(args.file))
    reward = RewardModelReward(stage_folder(args.model, "reward", args.stage), max_length=args.max_length, batch_size=args.batch_size)
    scores = reward([p for p, _, _ in pairs], [r for _, r, _ in pairs])
    lines = "".join(json.dumps({**row, "reward": score}) + "\n" for (_, _, row), score in zip(pairs, scores, strict=True))
    if args.output:
        atomic_write_text(args.output, lines)
    else:
        sys.stdout.write(lines)
    spread = statistics.pstdev(scores) if len(scores) > 1 else 0.0
    print(f"scored {len(scores)} responses: mean reward {statistics.fmean(scores):.4f}, std {spread:.4f}",
          file=sys.stderr)
    return 0
