"""Digit Lab's model layer: pure NumPy, no Qt.

Usable from a script or a notebook::

    from digitlab import model
    from digitlab.model.data import load_mnist

    data = load_mnist()
    net = model.Network([784, 16, 16, 10], activation="sigmoid", cost="quadratic", seed=0)
    grads = net.backward(data.train_x[:10], data.train_y[:10])
"""

from digitlab.model.network import Forward, Gradients, Network

__all__ = ["Network", "Forward", "Gradients"]
