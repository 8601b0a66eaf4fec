"""Optuna's TPE sampler over a method's hyperparameter axes (`sampler: tpe`, `trials: N`).

Trials run one after another: trial k's setting is asked from a TPE sampler told the mean
judge score of every earlier trial's finished cells. Each setting is saved when first asked
(runs/<study>/search/<method>.json), so a resumed study finds the cells it had started."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from tuneline.io import atomic_write_json
from tuneline.study.config import StudyConfig


def distribution(values: list[Any]):
    """[low, high] of two positive numbers: a log-uniform range; anything else: a choice."""
    import optuna

    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(values) == 2 and len(numbers) == 2 and all(v > 0 for v in numbers):
        low, high = sorted(numbers)
        if all(isinstance(v, int) for v in numbers):
            return optuna.distributions.IntDistribution(low, high, log=True)
        return optuna.distributions.FloatDistribution(low, high, log=True)
    return optuna.distributions.CategoricalDistribution(values)


def trial_setting(config: StudyConfig, method: str, trial: int, finished: list[dict[str, Any]],
                  folder: Path) -> dict[str, Any]:
    """The setting of `method`'s trial number `trial` (0-based)."""
    path = folder / "search" / f"{method}.json"
    asked: list[dict[str, Any]] = json.loads(path.read_text()) if path.exists() else []
    if trial < len(asked):
        return asked[trial]
    try:
        import optuna
    except ImportError:
        from tuneline.errors import ConfigError

        raise ConfigError("sampler: tpe needs Optuna, which is not installed", where="sampler",
                          fix="pip install 'tuneline[study]' (optuna), or use sampler: random") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    distributions = {name: distribution(values) for name, values in sorted(config.search[method].items())}
    sampler = optuna.samplers.TPESampler(seed=sum(map(ord, f"{config.name}/{method}")) + len(asked),
                                         n_startup_trials=min(4, config.trials))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    for setting in asked:
        scores = [r["judge_score"] for r in finished if r["base_method"] == method and r["setting"] == setting]
        if scores:
            study.add_trial(optuna.trial.create_trial(params=setting, distributions=distributions,
                                                      value=statistics.fmean(scores)))
    setting = study.ask(distributions).params
    atomic_write_json(path, [*asked, setting])
    return setting
