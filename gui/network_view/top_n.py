"""The ``n`` entries of an array largest in size, as a mask: the network view's highlights and top-k edges.

Each frame the view highlights every layer's largest weight changes and, for a layer too wide to
draw every edge, the diagram draws only its strongest ones: both ask for this mask, so it must be
cheap for a 512x784 layer, hence the block-maximum bound below rather than a full sort.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def top_n_mask(values: Array, n: int) -> Array:
    """Boolean mask of the ``n`` entries largest in size; ties go to the lower flat index.

    Equal to marking ``np.argsort(-abs(values), axis=None, kind="stable")[:n]``, but a few linear
    passes: the n-th largest of 4n block maxima bounds the n-th largest entry from below (n blocks
    each hold an entry at least that big), so only the entries above that bound are partitioned.
    Zero entries are never marked (a weight that did not move is not a large change).
    """
    a = np.abs(values).ravel()
    mask = np.zeros(a.size, dtype=bool)
    if n <= 0 or a.size == 0:
        return mask.reshape(values.shape)
    if n >= a.size:
        mask = a > 0
        return mask.reshape(values.shape)
    cand = None
    n_blocks = 4 * n
    if a.size >= 8 * n_blocks:
        length = -(-a.size // n_blocks)
        block_max = np.maximum.reduceat(a, np.arange(0, a.size, length))
        cut = len(block_max) - n
        bound = np.partition(block_max, cut)[cut]
        if bound > 0:
            cand = np.flatnonzero(a >= bound)  # ascending: flat-index order is kept
    if cand is None or len(cand) > a.size // 4:
        cand = np.arange(a.size)
    vals = a[cand]
    cut = len(vals) - n
    t = np.partition(vals, cut)[cut]  # the n-th largest size
    mask[cand[vals > t]] = True
    need = n - int(np.count_nonzero(vals > t))
    if need > 0 and t > 0:
        mask[cand[vals == t][:need]] = True
    return mask.reshape(values.shape)
