"""What a training run starts from and what its end says: the trainer for Train, the words for a run.

``make_recipe`` says how to build the run the Train button starts: the current network when its shape fits
the panel's settings (else a fresh one), on MNIST, plus copies of the user's samples when
"keep your samples in the mix" is on, so that training a retrained network does not unteach it
what the samples taught. ``run_how`` and ``run_summary`` put a run into words for the network
history and for the status bar. No widgets here.
"""

from __future__ import annotations

from digitlab.model.config import TrainConfig
from digitlab.model.data import MNIST
from digitlab.model.network import Network
from digitlab.model.train import EpochRecord
from digitlab.model.train_process import RunRecipe, mnist_trainer


def fits(net: Network, config: TrainConfig) -> bool:
    """The network has the layers, activation and cost the settings ask for, and reads its inputs
    deskewed or not as they say."""
    return (net.layer_sizes, net.activation_name, net.cost_name, net.deskew) == (
        tuple(config.layer_sizes), config.activation, config.cost, config.deskew)


def make_recipe(config: TrainConfig, current: Network, samples: tuple | None = None,
                data: MNIST | None = None) -> tuple[RunRecipe, str]:
    """The run for Train, and how it makes its network ("trained ...", for the history).

    ``samples`` is the user's (images (n, 784), labels (n,)) to keep in the mix, or None; ``data``
    the MNIST to train on (None: the shipped one, which the trainer process loads itself).
    """
    net = current.copy() if fits(current, config) else config.build_network()
    how = "trained" if fits(current, config) else f"new {'-'.join(map(str, config.layer_sizes))} network trained"
    kwargs = {"net": net, "config": config}
    if samples is not None and len(samples[0]):
        kwargs |= {"samples_x": samples[0], "samples_y": samples[1]}
        how += f" on MNIST and your {len(samples[0])} samples"
    else:
        how += " on MNIST"
    return RunRecipe(mnist_trainer, net, kwargs, data=data), how


def run_how(how: str, outcome: str, last: EpochRecord | None, steps: int) -> str:
    """How a run made its network: '... , 3 epochs (finished)', '..., stopped at step 120'."""
    if outcome == "finished":
        return f"{how}, {last.epoch if last else 0} epoch(s)"
    return f"{how}, {outcome} at step {steps:,}"


def run_summary(last: EpochRecord | None) -> str:
    """The run's final figures on MNIST's test set, for the end-of-run message ('' without any)."""
    if last is None or last.test_accuracy is None:
        return ""
    cost = "" if last.test_cost is None else f", test cost {last.test_cost:.4f}"
    return f": test accuracy {last.test_accuracy:.2%}{cost} after epoch {last.epoch}"
