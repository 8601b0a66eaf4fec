"""Console output: progress bars and status lines (stderr).

On a terminal a long operation shows a tqdm bar (count, rate, time left). In a log file
redraws would pile up, so there an operation prints one line when it is done, and one at
each quarter of the way when it runs for minutes; a few seconds' work prints nothing.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any, TypeVar

T = TypeVar("T")

LOG_INTERVAL_S = 120.0  # without a known total: a line at most this often
LOG_MIN_DURATION_S = 10.0  # an operation that takes less prints no line: nobody waited for it
LONG_OPERATION_S = 60.0  # one on course to take longer also prints a line at each quarter


class LineProgress:
    """The parts of tqdm's interface the project uses, printing whole lines: one when
    `total` is reached (or at close), and one each quarter of the way for an operation on
    course to take over LONG_OPERATION_S (every LOG_INTERVAL_S when the total is unknown);
    none for one that took under LOG_MIN_DURATION_S."""

    def __init__(self, iterable: Iterable[Any] | None = None, *, total: int | None = None, desc: str = "",
                 unit: str = "it"):
        if total is None and hasattr(iterable, "__len__"):
            total = len(iterable)  # type: ignore[arg-type]
        self.iterable, self.total, self.desc, self.unit = iterable, total, desc, unit
        self.n = 0
        self.postfix = ""
        self._start = self._last_line = time.monotonic()
        self._quarters_shown = 0
        self._done = False

    def __iter__(self) -> Iterator[Any]:
        for item in self.iterable or ():
            yield item
            self.update(1)

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.total and self.n >= self.total:
            self.close()
        elif self.total:
            quarters = self.n * 4 // self.total
            if quarters > self._quarters_shown:
                self._quarters_shown = quarters
                if self._projected_s() >= LONG_OPERATION_S:
                    self._print()
        elif time.monotonic() - self._last_line >= LOG_INTERVAL_S:
            self._print()

    def set_postfix(self, **values: Any) -> None:
        self.postfix = ", ".join(f"{key}={value}" for key, value in values.items())

    def close(self) -> None:
        """The closing line, once (every line printed stays in the log)."""
        if not self._done and self.n and time.monotonic() - self._start >= LOG_MIN_DURATION_S:
            self._print()
        self._done = True

    def _projected_s(self) -> float:
        """Elapsed plus remaining time, at the rate so far."""
        elapsed = time.monotonic() - self._start
        return elapsed * self.total / self.n if self.n and self.total else elapsed

    def line(self) -> str:
        elapsed = time.monotonic() - self._start
        rate = self.n / elapsed if elapsed > 0 else 0.0
        done = f"{self.n}/{self.total} {self.unit} ({100 * self.n / self.total:.0f}%)" if self.total else \
            f"{self.n} {self.unit}"
        speed = f"{rate:.2f} {self.unit}/s" if rate >= 1 or rate == 0 else f"{1 / rate:.1f} s/{self.unit}"
        parts = [f"{self.desc}: {done}", speed]
        if self.total and self.n >= self.total:
            parts.append(f"took {timedelta(seconds=round(elapsed))}")
        elif self.total and rate > 0:
            parts.append(f"ETA {timedelta(seconds=round((self.total - self.n) / rate))}")
        return ", ".join(parts + ([self.postfix] if self.postfix else []))

    def _print(self) -> None:
        self._last_line = time.monotonic()
        print(self.line(), file=sys.stderr, flush=True)


def bar(iterable: Iterable[T] | None = None, *, total: int | None = None, desc: str = "", unit: str = "it"):
    """A progress bar on a terminal, progress lines in a log; iterate it or call update(n)."""
    if not sys.stderr.isatty():
        return LineProgress(iterable, total=total, desc=desc, unit=unit)
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=False,
                mininterval=1.0)


class _NoProgress:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def batch_bar(total: int, batch_size: int, *, desc: str, unit: str):
    """A bar over `total` items done `batch_size` at a time; none for one batch (nothing to watch)."""
    return bar(total=total, desc=desc, unit=unit) if total > batch_size else _NoProgress()


@contextlib.contextmanager
def status(message: str) -> Iterator[None]:
    start = time.monotonic()
    print(f"… {message}", file=sys.stderr, flush=True)
    yield
    print(f"✓ {message} ({time.monotonic() - start:.1f}s)", file=sys.stderr, flush=True)


def info(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
