"""Compute budgets: `budget: {flops: 2e15}` or `{seconds: 600}` on a training stage stops it
at the last step boundary that keeps within the budget, with a checkpoint, as Ctrl-C does.

A step is not taken when the FLOPs (or seconds) spent so far plus the cost of the next step
would pass the budget. The training loop knows the next batch, so its stages end within a
step of the budget and never past it; online stages (ppo, grpo, rloo) estimate the next
step as the mean of the steps so far, so they may pass it by a fraction of a step. The
first step is always taken. What was spent
before the first step (DPO's reference log-probs) counts towards the budget but not towards
the cost of a step."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tuneline.train.flops import FlopsLedger


@dataclass
class BudgetWatch:
    """Tracks the FLOPs and seconds a stage has spent against its budget (either may be None)."""

    ledger: FlopsLedger
    max_flops: float | None = None
    max_seconds: float | None = None
    steps: int = 0
    seconds: float = 0.0  # spent in earlier sessions of a resumed stage plus this one's
    _since: float = field(default_factory=time.perf_counter)
    before_steps: float = -1.0  # FLOPs spent before the first step; -1: the ledger's total when created

    def __post_init__(self) -> None:
        if self.before_steps < 0:
            self.before_steps = self.ledger.total

    @classmethod
    def of(cls, budget: Any, ledger: FlopsLedger) -> BudgetWatch:
        """From a stage's `budget:` option (a config.schema.Budget or None)."""
        if budget is None:
            return cls(ledger)
        return cls(ledger, budget.flops, budget.seconds)

    def elapsed(self) -> float:
        return self.seconds + time.perf_counter() - self._since

    def step_done(self) -> None:
        self.steps += 1

    def exhausted(self, next_step_flops: float | None = None) -> str | None:
        """'flops' or 'seconds' when the next step would pass that budget, else None. The next
        step's FLOPs are its known cost when the caller knows it (the training loop knows its
        next batch), else the mean of the steps so far."""
        if self.steps == 0:
            return None
        per_step = (self.ledger.total - self.before_steps) / self.steps if next_step_flops is None else next_step_flops
        if self.max_flops is not None and self.ledger.total + per_step > self.max_flops:
            return "flops"
        elapsed = self.elapsed()
        if self.max_seconds is not None and elapsed * (self.steps + 1) / self.steps > self.max_seconds:
            return "seconds"
        return None

    def state_dict(self) -> dict[str, Any]:
        return {"ledger": self.ledger.state_dict(), "steps": self.steps, "seconds": self.elapsed(),
                "before_steps": self.before_steps}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.ledger.load_state_dict(state.get("ledger", {}))
        self.steps = int(state.get("steps", 0))
        self.seconds = float(state.get("seconds", 0.0))
        self.before_steps = float(state.get("before_steps", 0.0))
        self._since = time.perf_counter()

    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {**self.ledger.metrics(), "compute_seconds": round(self.elapsed(), 2)}
        if self.max_flops is not None:
            out["budget_flops"] = self.max_flops
        if self.max_seconds is not None:
            out["budget_seconds"] = self.max_seconds
        return out
