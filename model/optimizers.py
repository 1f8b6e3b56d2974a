"""Update rules: turn a gradient into the change applied to every weight and bias.

Accumulating the gradient (``Network.backward``) and applying it are separate steps, as in the
TensorFlow Playground; so are computing the change and applying it, so that the training loop can
refuse a change that is not finite. The optimizer computes the change Delta for each parameter
into a buffer it keeps between steps; ``apply`` adds those buffers in place. They are the changes
actually applied, which the training loop copies only when a caller asked to see them.

- SGD:       Delta = -eta g
- momentum:  v = mu v - eta g;  Delta = v                      (Polyak's heavy ball)
- Adam:      m = b1 m + (1-b1) g;  s = b2 s + (1-b2) g^2;
             Delta = -eta m_hat / (sqrt(s_hat) + eps)          (Kingma & Ba, 2015)

L2 weight decay adds lambda w to the weights' gradient (not the biases'), which is the gradient
of the penalty lambda/2 ||w||^2. Every ``FLUSH_EVERY`` steps the parameters and the optimizer's
buffers have their values below 1e-20 set to zero (``model.subnormals``: the decay drives some toward
the subnormal range, where products are many times slower on x86).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from digitlab.model.subnormals import FLUSH_EVERY, flush_tiny

Array = np.ndarray
OPTIMIZERS = ("sgd", "momentum", "adam")
ADAM_BLOCK = 65_536  # elements per block of Adam's update: 256 KB of float32, a core's L2


class Optimizer:
    """Applies steps to a list of parameter arrays (weights and biases, interleaved or not)."""

    def __init__(self, params: Sequence[Array], momentum: float = 0.9,
                 beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8, kind: str = "sgd") -> None:
        if kind not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {kind!r}: choose one of {', '.join(OPTIMIZERS)}")
        self.kind = kind
        self.momentum, self.beta1, self.beta2, self.eps = momentum, beta1, beta2, eps
        # C order whatever the parameters' layout, so that Adam can walk them flat in blocks
        self.change = [np.zeros(p.shape, p.dtype) for p in params]  # Delta, the last step's change
        self._state = list(self.change)  # every buffer kept between steps: flushed with the parameters
        if kind == "adam":
            self.m = [np.zeros(p.shape, p.dtype) for p in params]
            self.s = [np.zeros(p.shape, p.dtype) for p in params]
            self._state += [*self.m, *self.s]
            largest = max((p.size for p in params), default=0)
            self._tmp = np.empty(min(largest, ADAM_BLOCK), dtype=params[0].dtype if params else float)
        self.t = 0

    def compute(self, grads: Sequence[Array], lr: float, weight_decay: float = 0.0,
                weights: Sequence[Array] = ()) -> list[Array]:
        """The change for each parameter at rate ``lr`` (buffers reused by the next call).

        With ``weight_decay`` lambda > 0, the L2 term lambda w is first added, in place, to the
        gradient of each of ``weights`` (the first ``len(weights)`` of ``grads``): Adam does it a
        block at a time with the rest of its update.
        """
        self.t += 1
        if self.kind == "adam":
            # bias corrections folded into the step size
            lr_t = lr * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        for i, g in enumerate(grads):
            w = weights[i] if weight_decay and i < len(weights) else None
            d = self.change[i]
            if self.kind == "adam":
                flat_w = None
                if w is not None:
                    if w.flags.c_contiguous and g.flags.c_contiguous:
                        flat_w = w.reshape(-1)
                    else:  # another layout: the L2 term over the whole array first, in place
                        g += weight_decay * w
                flat_g = np.ascontiguousarray(g).reshape(-1)  # a gradient is C-ordered already: no copy
                self._adam(flat_g, self.m[i].reshape(-1), self.s[i].reshape(-1), d.reshape(-1), lr_t,
                           weight_decay, flat_w)
                continue
            if w is not None:
                g += weight_decay * w  # dC/dw += lambda w (L2)
            if self.kind == "sgd":
                np.multiply(g, -lr, out=d)
            else:
                d *= self.momentum
                d -= lr * g
        return self.change

    def _adam(self, g: Array, m: Array, s: Array, d: Array, lr_t: float, decay: float, w: Array | None) -> None:
        """Adam's change d for flat arrays (with the L2 term of flat weights ``w``, if given), a
        block at a time: the block's g, m, s and d stay in the cache through all its operations,
        which takes ~40% less time for the shipped network's 1.3 M weights than passes over the
        whole arrays (the same operations in the same order, so the same bits)."""
        b1, b2 = self.beta1, self.beta2
        for start in range(0, g.size, ADAM_BLOCK):
            end = min(start + ADAM_BLOCK, g.size)
            gb, mb, sb, db, tmp = g[start:end], m[start:end], s[start:end], d[start:end], self._tmp[: end - start]
            if w is not None:  # g += lambda w (L2)
                np.multiply(w[start:end], decay, out=tmp)
                gb += tmp
            mb *= b1  # m = b1 m + (1-b1) g
            np.multiply(gb, 1 - b1, out=tmp)
            mb += tmp
            sb *= b2  # s = b2 s + (1-b2) g^2
            np.multiply(gb, gb, out=tmp)
            tmp *= 1 - b2
            sb += tmp
            np.sqrt(sb, out=tmp)  # Delta = -eta_t m / (sqrt(s) + eps)
            tmp += self.eps
            np.divide(mb, tmp, out=db)
            db *= -lr_t

    def apply(self, params: Sequence[Array]) -> None:
        """Add the last computed change to each parameter, in place (and flush values too small to matter, at
        every ``FLUSH_EVERY``-th step)."""
        for p, d in zip(params, self.change):
            p += d
        if self.t % FLUSH_EVERY == 0:
            flush_tiny([*params, *self._state])
