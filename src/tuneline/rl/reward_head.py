"""A reward model's score head fitted on a frozen backbone (the `reward` stage's
`freeze_backbone: true`).

The backbone reads every training answer once, without gradients; its pooled final hidden states
are kept, and the one-score linear head is fitted on them to convergence. For a linear head r(x) =
w·h(x) the Bradley–Terry loss of a pair is softplus(−w·(h(chosen) − h(rejected))): L2-regularised
logistic regression on the feature differences, without intercept (a constant added to every
score cancels in each pair). The regularisation strength is chosen by the log loss on a slice of
the training pairs, then the head is refitted on all of them.

On CPU this is the cheap way to use many pairs: one forward pass per answer, where fine-tuning
pays a forward and a backward pass per answer per epoch (benchmarks/RESULTS.md, HH reward model).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

# Regularisation strengths tried (λ of λ/2·‖w‖² beside the mean log loss, on standardised features).
L2_GRID = (1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)


@dataclass
class HeadFit:
    weight: list[float]                   # the head's weights on the raw pooled features
    l2: float                             # the regularisation strength chosen
    validation_pairs: int
    validation_loss: dict[float, float] = field(default_factory=dict)      # per λ tried
    validation_accuracy: dict[float, float] = field(default_factory=dict)  # per λ tried


def pooled_features(model, tokenizer, sequences: list[list[int]], batch_size: int,
                    deadline: float | None = None, progress=None, times: list | None = None):
    """(features, count): the pooled final hidden states the score head reads (rewards.pooled_states)
    of the first `count` sequences, in batches of similar length; stops between batches once
    time.monotonic() passes `deadline` (count is then the sequences done in order). `times`, when
    given, receives (sequences done, time.monotonic()) as each chunk of them completes."""
    import torch

    from tuneline.models.padding import pad_batch
    from tuneline.rl.rewards import pooled_states

    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    device = next(model.parameters()).device
    width = model.config.hidden_size
    features = torch.zeros(len(sequences), width, dtype=torch.float32)
    done = 0
    chunk = 16 * batch_size  # sorted by length within chunks, so that a deadline leaves a prefix done
    with torch.no_grad():
        for start in range(0, len(sequences), chunk):
            order = sorted(range(start, min(start + chunk, len(sequences))), key=lambda i: len(sequences[i]))
            for first in range(0, len(order), batch_size):
                if deadline is not None and time.monotonic() > deadline:
                    return features[:done], done
                rows = order[first:first + batch_size]
                batch = pad_batch([sequences[i] for i in rows], None, pad_id)
                pooled = pooled_states(model, {k: v.to(device) for k, v in batch.items()}).float().cpu()
                features[rows] = pooled
                if progress is not None:
                    progress.update(len(rows))
            done = min(start + chunk, len(sequences))
            if times is not None:
                times.append((done, time.monotonic()))
    return features, done


def _fit(diffs, l2: float, max_iter: int = 200):
    """w minimising mean softplus(−d·w) + λ/2·‖w‖² (full-batch L-BFGS, float64)."""
    import torch

    weight = torch.zeros(diffs.shape[1], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight], lr=1.0, max_iter=max_iter, tolerance_grad=1e-9,
                                  tolerance_change=1e-12, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.softplus(-(diffs @ weight)).mean() + 0.5 * l2 * weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return weight.detach()


def fit_head(chosen, rejected, validation_fraction: float = 0.15, grid=L2_GRID) -> HeadFit:
    """The Bradley–Terry linear head on frozen features (rows of `chosen` and `rejected` are
    pairs). Features are scaled by the root mean square of each column of the differences; λ is
    chosen on the last `validation_fraction` of the pairs by log loss, and the head is refitted on
    all pairs with it. The returned weights apply to the unscaled features."""
    import torch

    diffs = (chosen - rejected).to(torch.float64)
    scale = diffs.pow(2).mean(0).sqrt().clamp_min(1e-12)
    scaled = diffs / scale
    held = int(len(scaled) * validation_fraction) if len(scaled) >= 20 else 0
    fit = HeadFit(weight=[], l2=grid[len(grid) // 2], validation_pairs=held)
    if held:
        train, validation = scaled[:-held], scaled[-held:]
        for l2 in grid:
            margin = validation @ _fit(train, l2)
            fit.validation_loss[l2] = float(torch.nn.functional.softplus(-margin).mean())
            fit.validation_accuracy[l2] = float((margin > 0).double().mean())
        fit.l2 = min(grid, key=lambda l2: (fit.validation_loss[l2], -l2))
    fit.weight = (_fit(scaled, fit.l2) / scale).tolist()
    return fit

