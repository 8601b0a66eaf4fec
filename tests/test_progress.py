"""Progress in a log file (stderr not a terminal): one line when an operation is done, a
line at each quarter when it runs for minutes, nothing for a few seconds' work."""

from __future__ import annotations

from tuneline import progress


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(monkeypatch, capsys, seconds_per_step: float, steps: int = 20) -> list[str]:
    clock = Clock()
    monkeypatch.setattr(progress.time, "monotonic", clock)
    bar = progress.bar(total=steps, desc="training", unit="step")  # pytest's stderr is not a terminal
    for _ in range(steps):
        clock.now += seconds_per_step
        bar.update(1)
    bar.close()
    return capsys.readouterr().err.splitlines()


def test_seconds_of_work_print_nothing(monkeypatch, capsys):
    assert run(monkeypatch, capsys, seconds_per_step=0.2) == []


def test_a_minute_or_less_prints_one_closing_line(monkeypatch, capsys):
    assert run(monkeypatch, capsys, seconds_per_step=2.0) == ["training: 20/20 step (100%), 2.0 s/step, took 0:00:40"]


def test_minutes_of_work_print_a_line_each_quarter(monkeypatch, capsys):
    lines = run(monkeypatch, capsys, seconds_per_step=6.0)
    assert [line.split(",")[0] for line in lines] == ["training: 5/20 step (25%)", "training: 10/20 step (50%)",
                                                     "training: 15/20 step (75%)", "training: 20/20 step (100%)"]
    assert lines[0].endswith("ETA 0:01:30") and lines[-1].endswith("took 0:02:00")
