"""Network sizes are bounded by what the machine can hold and the window can draw (issue #10, case 5)."""

from __future__ import annotations

import pytest

from digitlab.model import limits
from digitlab.model.config import PRESETS, TrainConfig
from digitlab.model.limits import MAX_LAYER_WIDTH, network_size_problem, training_bytes


def test_the_presets_and_a_long_full_batch_step_fit() -> None:
    for config in PRESETS.values():
        assert network_size_problem(config.layer_sizes, config.batch_size) is None
    assert network_size_problem((784, 2000, 2000, 10), 60_000) is None  # case 10's network


@pytest.mark.parametrize("sizes", [(784, 100_000, 100_000, 10), (784, 20_000, 20_000, 10), (784, 250_000, 10)])
def test_absurd_widths_are_refused_with_a_sentence_before_allocating(sizes: tuple[int, ...]) -> None:
    # case 5: 784-100000-100000-10 raised MemoryError; 784-20000-20000-10 froze the window
    config = TrainConfig(layer_sizes=sizes, activation="relu", cost="cross_entropy")
    with pytest.raises(ValueError, match=f"wider than the {MAX_LAYER_WIDTH:,}"):
        config.validate()
    with pytest.raises(ValueError, match="wider than"):
        config.build_network()


def test_memory_bounds_the_network_and_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "machine_memory", lambda: 2**30)  # a 1 GiB machine
    sizes = (784, 4096, 4096, 4096, 10)
    assert training_bytes(sizes) > 2**29
    with pytest.raises(ValueError, match="GiB of memory"):
        TrainConfig(layer_sizes=sizes).validate()
    with pytest.raises(ValueError, match="batches of 60,000"):
        TrainConfig(layer_sizes=(784, 1000, 10), batch_size=60_000).validate()
    TrainConfig(layer_sizes=(784, 1000, 10), batch_size=100).validate()


def test_machine_memory_is_a_positive_number() -> None:
    assert limits.machine_memory() > 2**28
