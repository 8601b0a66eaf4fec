"""Console output: progress bars and status lines (stderr), sparse when not a terminal."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def bar(iterable: Iterable[T] | None = None, *, total: int | None = None, desc: str = "", unit: str = "it") -> tqdm:
    terminal = sys.stderr.isatty()
    # in a log file every redraw stays: update every 30 s there instead of every second
    return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=False,
                disable=None if terminal else False, mininterval=1.0 if terminal else 30.0)


@contextlib.contextmanager
def status(message: str) -> Iterator[None]:
    start = time.monotonic()
    print(f"… {message}", file=sys.stderr, flush=True)
    yield
    print(f"✓ {message} ({time.monotonic() - start:.1f}s)", file=sys.stderr, flush=True)


def info(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
