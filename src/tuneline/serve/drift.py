"""Small statistics for training/serving skew, each a pure function."""

from __future__ import annotations

import bisect


def ks_statistic(sample_a: list[float], sample_b: list[float]) -> float:
    """Two-sample Kolmogorov–Smirnov statistic D = sup_x |F_a(x) - F_b(x)|
    (empirical CDFs, e.g. Eq. 1 of Massey 1951 generalised to two samples)."""
    if not sample_a or not sample_b:
        return 0.0
    a, b = sorted(sample_a), sorted(sample_b)
    largest = 0.0
    for x in sorted(set(a) | set(b)):
        cdf_a = bisect.bisect_right(a, x) / len(a)
        cdf_b = bisect.bisect_right(b, x) / len(b)
        largest = max(largest, abs(cdf_a - cdf_b))
    return largest


def centroid_distance(embeddings_a, embeddings_b) -> float:
    """Cosine distance 1 - cos(mean_a, mean_b) between the mean embeddings of two samples."""
    import numpy as np

    mean_a, mean_b = embeddings_a.mean(axis=0), embeddings_b.mean(axis=0)
    cosine = float(mean_a @ mean_b / max(float(np.linalg.norm(mean_a) * np.linalg.norm(mean_b)), 1e-12))
    return 1.0 - cosine


def far_share(served, training, min_similarity: float) -> float:
    """Share of served rows whose nearest training row (cosine, unit vectors) is below `min_similarity`."""
    if len(served) == 0 or len(training) == 0:
        return 0.0
    nearest = (served @ training.T).max(axis=1)
    return float((nearest < min_similarity).mean())
