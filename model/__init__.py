"""Digit Lab's model layer: pure NumPy, no Qt.

Usable from a script or a notebook::

    from digitlab import model
    from digitlab.model.data import load_mnist

    data = load_mnist()
    net = model.Network([784, 16, 16, 10], activation="sigmoid", cost="quadratic", seed=0)
    grads = net.backward(data.train_x[:10], data.train_y[:10])

``Network``, ``Forward`` and ``Gradients`` are imported on first use (PEP 562), so importing the
package itself costs nothing: ``digitlab-train`` catches Ctrl+C before NumPy is even loaded.
"""

__all__ = ["Network", "Forward", "Gradients"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from digitlab.model import network

        return getattr(network, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
