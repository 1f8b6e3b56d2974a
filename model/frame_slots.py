"""Shared-memory slots for the trainer's frames: the big arrays go here, the pipe carries a slot's index.

A run's parent makes ``FrameSlots`` (``SLOTS`` shared-memory blocks, each with room for one copy of
every parameter and of every parameter's change, in the network's dtype) and names them in its run
command; the child attaches to them. The protocol (``model.train_process``):

- the child owns every slot at first; to send a frame it writes the weights (and the changes, when
  the frame has some) into a slot it owns and sends that slot's index with the frame's small data;
- the parent copies what it needs out of the slot and hands it back (a "release" message);
- a slot is written only while the child owns it, so the parent never reads one being written; with
  no slot free the child sends its frame without arrays and trains on (it never waits).

The parent unlinks the blocks when the run ends, when the child dies and on shutdown, so nothing
is left in ``/dev/shm``. Pickling the arrays instead cost the child ~12 ms a frame for the
784-1024-512-10 network (a pickle, then a send that waits on the parent's reader); a copy into a
slot costs ~1 ms (docs/performance.md, issue #15).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from multiprocessing.shared_memory import SharedMemory

import numpy as np

SLOTS = 3  # one the parent may be reading, one just written, one to write into

Array = np.ndarray


class FrameSlots:
    """``SLOTS`` blocks, each holding parameters then changes (weights before biases, as a Trainer's)."""

    def __init__(self, shapes: Sequence[tuple[int, ...]], dtype: np.dtype | type,
                 names: Sequence[str] | None = None) -> None:
        """New blocks for parameters of ``shapes`` (the parent), or the blocks ``names`` (the child)."""
        self.shapes = [tuple(int(n) for n in s) for s in shapes]
        self.dtype = np.dtype(dtype)
        self._sizes = [int(np.prod(s)) for s in self.shapes]
        self._count = sum(self._sizes)
        nbytes = max(1, 2 * self._count * self.dtype.itemsize)
        self._owner = names is None
        self._blocks: list[SharedMemory] = []
        try:
            if names is None:
                self._blocks = [SharedMemory(create=True, size=nbytes) for _ in range(SLOTS)]
            else:
                # the child shares the parent's resource tracker (spawn hands it over), which unlinks
                # the blocks should both die before the parent could (a SIGKILL)
                self._blocks = [SharedMemory(name=name) for name in names]
        except BaseException:
            self.unlink() if self._owner else self.close()
            raise
        self._views: list[tuple[list[Array], list[Array]]] | None = [self._split(b) for b in self._blocks]

    @classmethod
    def for_params(cls, params: Sequence[Array]) -> FrameSlots:
        return cls([p.shape for p in params], params[0].dtype if len(params) else np.float32)

    @property
    def names(self) -> list[str]:
        return [b.name for b in self._blocks]

    @property
    def spec(self) -> tuple[list[tuple[int, ...]], str, list[str]]:
        """What the child needs to attach: ``FrameSlots(*spec)``."""
        return self.shapes, self.dtype.str, self.names

    def fits(self, params: Sequence[Array]) -> bool:
        return [tuple(p.shape) for p in params] == self.shapes and all(p.dtype == self.dtype for p in params)

    def _split(self, block: SharedMemory) -> tuple[list[Array], list[Array]]:
        flat = np.ndarray((2 * self._count,), dtype=self.dtype, buffer=block.buf)
        views, offset = [], 0
        for size, shape in zip(self._sizes * 2, self.shapes * 2):
            views.append(flat[offset:offset + size].reshape(shape))
            offset += size
        n = len(self.shapes)
        return views[:n], views[n:]

    def write(self, slot: int, params: Sequence[Array], changes: Sequence[Array] | None = None) -> None:
        """The child: copy ``params`` (and ``changes``) into ``slot``, which it owns."""
        dst_params, dst_changes = self._views[slot]
        for dst, src in zip(dst_params, params):
            np.copyto(dst, src)
        if changes is not None:
            for dst, src in zip(dst_changes, changes):
                np.copyto(dst, src)

    def read(self, slot: int, changes: bool) -> tuple[list[Array], list[Array] | None]:
        """The parent: copies of ``slot``'s parameters (and changes, when ``changes``), its own to keep."""
        params, deltas = self._views[slot]
        return [p.copy() for p in params], ([d.copy() for d in deltas] if changes else None)

    def close(self) -> None:
        """Detach (a view still alive elsewhere keeps its block mapped until it goes)."""
        self._views = None
        for block in self._blocks:
            with contextlib.suppress(BufferError, OSError):
                block.close()

    def unlink(self) -> None:
        """The parent: remove the blocks from the system (idempotent), then detach."""
        for block in self._blocks:
            with contextlib.suppress(FileNotFoundError, OSError):
                block.unlink()
        self.close()
