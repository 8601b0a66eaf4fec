"""Exact and near-duplicate detection: normalised-text hashes, and MinHash LSH
(datasketch) over character shingles.

Near-duplicates are records whose character 5-gram sets have a Jaccard similarity of at
least `threshold`, J(A, B) = |A ∩ B| / |A ∪ B| (Broder 1997); MinHash estimates J and
LSH banding finds candidate pairs without comparing every pair. Character shingles,
rather than word n-grams, keep a text reworded by a few words above the threshold:
a substituted word only touches the ~5 shingles that overlap it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

SHINGLE_CHARS = 5
NUM_PERM = 64  # 64 permutations: a ±0.06 standard error on J, enough to separate 0.4 from 0.8


def normalise(text: str) -> str:
    """Lowercase, punctuation and runs of whitespace folded to one space."""
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def exact_key(text: str) -> bytes:
    return hashlib.blake2b(normalise(text).encode(), digest_size=16).digest()


def shingles(text: str, size: int = SHINGLE_CHARS) -> set[bytes]:
    """The character `size`-grams of the normalised text (one shingle for shorter texts)."""
    norm = normalise(text)
    if len(norm) <= size:
        return {norm.encode()} if norm else set()
    return {norm[i:i + size].encode() for i in range(len(norm) - size + 1)}


def jaccard(a: set, b: set) -> float:
    """J(A, B) = |A ∩ B| / |A ∪ B|; 1.0 for two empty sets."""
    union = len(a | b)
    return len(a & b) / union if union else 1.0


_SHINGLE_MASK = np.uint64((1 << (8 * SHINGLE_CHARS)) - 1)


def shingle_ids(text: str) -> np.ndarray:
    """Each 5-byte shingle of the normalised UTF-8 text as one 40-bit integer: an exact
    id, so no hashing step and no collisions before the MinHash. Read as overlapping
    little-endian 8-byte words (a stride of one byte) and masked to 5 bytes."""
    data = normalise(text).encode()
    count = max(len(data) - SHINGLE_CHARS + 1, 1)
    padded = data + b"\0" * 8
    words = np.ndarray(shape=(count,), dtype="<u8", buffer=padded, strides=(1,))
    return words & _SHINGLE_MASK


def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    multipliers = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    offsets = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return multipliers[:, None], offsets[:, None]


_PERMUTATIONS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def minhash_values(text: str, num_perm: int = NUM_PERM) -> np.ndarray:
    """MinHash signature: for each of `num_perm` hash functions h_k, min over shingles x of
    h_k(x) = (a_k·x + b_k mod 2^64) >> 32, multiply-shift hashing with odd a_k
    (Dietzfelbinger et al. 1997). Pr[min_k(A) = min_k(B)] ≈ J(A, B) (Broder 1997).

    Computed with numpy over all shingles at once: ~10× faster here than feeding
    datasketch.MinHash one hashed shingle at a time; datasketch still does the LSH.
    """
    if num_perm not in _PERMUTATIONS:
        _PERMUTATIONS[num_perm] = _permutations(num_perm)
    multipliers, offsets = _PERMUTATIONS[num_perm]
    ids = shingle_ids(text)
    with np.errstate(over="ignore"):
        return ((multipliers * ids[None, :] + offsets) >> np.uint64(32)).min(axis=1)


def minhash(text: str, num_perm: int = NUM_PERM):
    from datasketch import LeanMinHash

    return LeanMinHash(seed=1, hashvalues=minhash_values(text, num_perm), scheme="legacy")


@dataclass
class DuplicateOf:
    index: int  # the record that is dropped
    original: int  # the earlier record it duplicates
    similarity: float  # 1.0 for exact duplicates; estimated Jaccard otherwise


def find_exact_duplicates(texts: Iterable[str]) -> list[DuplicateOf]:
    seen: dict[bytes, int] = {}
    found = []
    for index, text in enumerate(texts):
        key = exact_key(text)
        if key in seen:
            found.append(DuplicateOf(index, seen[key], 1.0))
        else:
            seen[key] = index
    return found


class NearDuplicateIndex:
    """An LSH index of kept texts; `match` returns the closest kept one at or above threshold."""

    def __init__(self, threshold: float = 0.7, num_perm: int = NUM_PERM):
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.num_perm = num_perm
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.signatures: dict[int, object] = {}

    def add(self, key: int, signature) -> None:
        self.lsh.insert(key, signature, check_duplication=False)
        self.signatures[key] = signature

    def match(self, signature) -> tuple[int, float] | None:
        best: tuple[int, float] | None = None
        for key in self.lsh.query(signature):
            similarity = float(signature.jaccard(self.signatures[key]))
            if similarity >= self.threshold and (best is None or similarity > best[1]):
                best = (key, similarity)
        return best


def find_near_duplicates(texts: list[str], threshold: float = 0.7, skip: set[int] | None = None) -> list[DuplicateOf]:
    """Each text that nearly repeats an earlier kept one (the first of a group is kept)."""
    index = NearDuplicateIndex(threshold)
    found = []
    skip = skip or set()
    for position, text in enumerate(texts):
        if position in skip:
            continue
        signature = minhash(text)
        match = index.match(signature)
        if match is None:
            index.add(position, signature)
        else:
            found.append(DuplicateOf(position, match[0], match[1]))
    return found


def find_cross_duplicates(train: list[str], evaluation: list[str], threshold: float = 0.7) -> list[DuplicateOf]:
    """Eval texts that nearly repeat a training text: `index` is the eval position,
    `original` the training one (train/eval leakage)."""
    index = NearDuplicateIndex(threshold)
    for position, text in enumerate(train):
        index.add(position, minhash(text))
    found = []
    for position, text in enumerate(evaluation):
        match = index.match(minhash(text))
        if match is not None:
            found.append(DuplicateOf(position, match[0], match[1]))
    return found
