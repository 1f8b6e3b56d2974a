"""The window as the GUI tests open it: the real ``MainWindow`` on a small slice of MNIST.

A test module says how much data it needs with ``MNIST_SUBSET = (n_train, n_test)`` (default
1,000 and 300); ``window`` is one shown window on its own data folder, ``open_window`` opens more
(e.g. a restart on the same folder). Windows still training at the end are closed, which ends their
trainer process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from digitlab.gui.app import create_window
from digitlab.model.data import MNIST

DEFAULT_SUBSET = (1000, 300)
_subsets: dict[tuple[int, int], MNIST] = {}


@pytest.fixture
def small_mnist(request, mnist: MNIST) -> MNIST:
    """The first ``MNIST_SUBSET`` training and test images (copies, made once per size)."""
    n_train, n_test = getattr(request.module, "MNIST_SUBSET", DEFAULT_SUBSET)
    if (n_train, n_test) not in _subsets:
        _subsets[n_train, n_test] = MNIST(mnist.train_x[:n_train].copy(), mnist.train_y[:n_train].copy(),
                                          mnist.test_x[:n_test].copy(), mnist.test_y[:n_test].copy())
    return _subsets[n_train, n_test]


@pytest.fixture
def open_window(qtbot, tmp_path: Path, small_mnist: MNIST) -> Iterator[Callable[..., object]]:
    """``open_window(data_dir=None, **kwargs)``: a shown window training on ``small_mnist``."""
    opened = []

    def open_(data_dir: Path | None = None, **kwargs):
        w = create_window(data_dir=data_dir or tmp_path, mnist_loader=lambda: small_mnist, **kwargs)
        qtbot.addWidget(w)
        with qtbot.waitExposed(w):
            w.show()
        opened.append(w)
        return w

    yield open_
    for w in opened:
        if w.session.active:
            w.close()


@pytest.fixture
def window(open_window):
    return open_window()
