"""The ``n`` entries of an array largest in size, as a mask: the network view's highlights and top-k edges.

Each frame the view highlights every layer's largest weight changes and, for a layer too wide to
draw every edge, the diagram draws only its strongest ones: both ask for this mask, so it must be
cheap for a 1024x784 layer, hence the block-maximum bound below rather than a full sort.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


BLOCKS_PER_ENTRY = 64  # blocks per entry asked: more blocks, fewer candidates after the bound


def top_n_mask(values: Array, n: int) -> Array:
    """Boolean mask of the ``n`` entries largest in size; ties go to the lower flat index.

    Equal to marking ``np.argsort(-abs(values), axis=None, kind="stable")[:n]``, but two SIMD
    reductions over the array and work on a few thousand candidates: the entries are split into
    ``BLOCKS_PER_ENTRY * n`` strided blocks (block j holds a[j], a[j + blocks], ...: a max over
    axis 0 of a (length, blocks) view, with no abs array written); the n-th largest block maximum
    bounds the n-th largest entry from below (n blocks each hold an entry at least that big), so
    only the blocks that reach the bound hold candidates. Zero entries are never marked (a weight
    that did not move is not a large change).
    """
    a = np.asarray(values).ravel()
    mask = np.zeros(a.size, dtype=bool)
    if n <= 0 or a.size == 0:
        return mask.reshape(np.shape(values))
    if n >= a.size:
        return (a != 0).reshape(np.shape(values))
    cand = None
    blocks = BLOCKS_PER_ENTRY * n
    length = a.size // blocks
    if length >= 8:
        main = a[: blocks * length].reshape(length, blocks)
        block_max = np.maximum(main.max(axis=0), -main.min(axis=0))
        cut = blocks - n
        bound = np.partition(block_max, cut)[cut]
        if bound > 0:
            cand = (np.arange(length)[:, None] * blocks + np.flatnonzero(block_max >= bound)).ravel()
            cand = np.concatenate([cand, np.arange(blocks * length, a.size)])  # the tail past the blocks
    # zeros leave the candidates before the partition: they are never marked, and NumPy's
    # partition is ~10x slower on a mass of equal values (a 16x784 step's changes, 57% zero: 0.9 ms)
    cand = np.flatnonzero(a) if cand is None or len(cand) > a.size // 4 else cand[a[cand] != 0]
    if len(cand) <= n:
        mask[cand] = True
        return mask.reshape(np.shape(values))
    vals = np.abs(a[cand])
    cut = len(vals) - n
    t = np.partition(vals, cut)[cut]  # the n-th largest size
    mask[cand[vals > t]] = True
    need = n - int(np.count_nonzero(vals > t))
    if need > 0:
        mask[np.sort(cand[vals == t])[:need]] = True  # ties: the lowest flat indices
    return mask.reshape(np.shape(values))
