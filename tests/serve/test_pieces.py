"""Pure pieces of serving, checked against hand computation."""

from __future__ import annotations

import math

import torch

from tuneline.models.padding import left_pad, positions_from_mask
from tuneline.models.router import softmax
from tuneline.serve.batch import RunningBatch
from tuneline.serve.drift import centroid_distance, far_share, ks_statistic
from tuneline.serve.sampling import choose_token, find_stop, top_p_filter


def test_top_p_keeps_the_smallest_nucleus_reaching_p():
    # probabilities 0.5, 0.3, 0.15, 0.05: p=0.7 keeps the first two (0.5 < 0.7 <= 0.8)
    logits = torch.log(torch.tensor([0.3, 0.5, 0.05, 0.15]))
    kept = torch.isfinite(top_p_filter(logits, 0.7))
    assert kept.tolist() == [True, True, False, False]
    assert torch.isfinite(top_p_filter(logits, 1.0)).all()


def test_greedy_and_seeded_sampling():
    logits = torch.tensor([0.1, 3.0, 0.2])
    assert choose_token(logits, 0.0, 1.0) == 1
    draws = [choose_token(logits, 1.0, 1.0, torch.Generator().manual_seed(5)) for _ in range(3)]
    assert len(set(draws)) == 1  # the same seed gives the same token


def test_find_stop_returns_the_earliest_stop():
    assert find_stop("abc STOP def END", ["END", "STOP"]) == 4
    assert find_stop("nothing", ["x"]) == -1


def test_softmax_matches_hand_computation():
    values = softmax([0.9, 0.8], 0.05)
    expected = 1 / (1 + math.exp(-0.1 / 0.05))
    assert abs(values[0] - expected) < 1e-9 and abs(sum(values) - 1) < 1e-12


def test_ks_statistic_by_hand():
    # F_a jumps to 1 at 1; F_b is 0.5 at 1 and 1 at 3: sup difference 0.5
    assert ks_statistic([1, 1], [1, 3]) == 0.5
    assert ks_statistic([1, 2, 3], [1, 2, 3]) == 0.0
    assert ks_statistic([1, 2], [5, 6]) == 1.0


def test_centroid_distance_and_far_share_by_hand():
    import numpy as np

    a = np.array([[1.0, 0.0], [1.0, 0.0]])
    b = np.array([[0.0, 1.0]])
    assert abs(centroid_distance(a, b) - 1.0) < 1e-9  # orthogonal means: 1 - cos 90°
    assert centroid_distance(a, a) < 1e-9
    assert far_share(a, b, 0.5) == 1.0 and far_share(a, a, 0.5) == 0.0


def test_left_pad_positions_and_batch_join_keep_rows_aligned():
    ids, mask = left_pad([[5, 6, 7], [8]], pad_id=0)
    assert ids.tolist() == [[5, 6, 7], [0, 0, 8]] and mask.tolist() == [[1, 1, 1], [0, 0, 1]]
    assert positions_from_mask(mask).tolist() == [[0, 1, 2], [0, 0, 0]]

    class Layer:
        def __init__(self, length):
            self.keys = torch.ones(1, 1, length, 2)
            self.values = torch.ones(1, 1, length, 2)

    class Cache:
        def __init__(self, length):
            self.layers = [Layer(length)]

        def batch_select_indices(self, index):
            for layer in self.layers:
                layer.keys, layer.values = layer.keys[index], layer.values[index]

    batch = RunningBatch()
    batch.join(torch.ones(1, 4, dtype=torch.long), Cache(4))
    batch.join(torch.ones(1, 2, dtype=torch.long), Cache(2))
    assert batch.mask.tolist() == [[1, 1, 1, 1], [0, 0, 1, 1]]
    assert batch.cache.layers[0].keys[1, 0, :, 0].tolist() == [0, 0, 1, 1]  # the short row is padded on the left
    batch.keep([1])  # the long row finished: its two extra columns are padding everywhere now
    assert batch.mask.tolist() == [[1, 1]] and batch.cache.layers[0].keys.shape[2] == 2
