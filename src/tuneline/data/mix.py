"""`mix:` datasets: a training split made of other datasets' training splits in given
shares (e.g. 80% domain Q&A, 20% general instructions, the usual guard against forgetting),
drawn with a seed.

Weights are normalised to shares s_i = w_i / Σw. Without `mix_size`, the mix is the
largest one that keeps every share without repeating a record: N = min_i ⌊n_i / s_i⌋
(n_i: records in part i's training split). With `mix_size`, part i gives round(s_i · N)
records: whole shuffled passes over the part, then a shuffled remainder, so a small part
is repeated as evenly as possible. The held-out split is every part's held-out split, in
order, so a held-out loss covers both domain and general data.
"""

from __future__ import annotations

import random
from collections.abc import Sequence


def mix_counts(sizes: dict[str, int], weights: dict[str, float], total: int | None = None) -> dict[str, int]:
    """Records taken from each part: round(s_i · N), N as in the module docstring."""
    scale = sum(weights.values())
    shares = {name: weight / scale for name, weight in weights.items()}
    if total is None:
        total = min(int(sizes[name] / share + 1e-9) for name, share in shares.items())
    counts = {name: round(share * total) for name, share in shares.items()}
    return counts


def draw(records: Sequence, count: int, rng: random.Random) -> list:
    """`count` records: whole shuffled passes, then a shuffled remainder (no record twice
    before every record once)."""
    out: list = []
    while len(out) < count and records:
        order = list(records)
        rng.shuffle(order)
        out.extend(order[:count - len(out)])
    return out


def mix_records(parts: dict[str, list], weights: dict[str, float], total: int | None, seed: int) -> tuple[list, dict]:
    """(mixed, shuffled training records; records taken per part)."""
    rng = random.Random(seed)
    counts = mix_counts({name: len(records) for name, records in parts.items()}, weights, total)
    mixed = [record for name in weights for record in draw(parts[name], counts[name], rng)]
    rng.shuffle(mixed)
    return mixed, counts
