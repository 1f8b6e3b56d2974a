"""TrainConfig bounds every field, so what validates can be shown by the panel and built (issue #10, cases 3 and 8)."""

from __future__ import annotations

import pytest

from digitlab.model.config import MAX_BATCH_SIZE, MAX_EPOCHS, MAX_SEED, PRESETS, TrainConfig


@pytest.mark.parametrize(("field", "value"), [
    ("seed", -1), ("seed", 3_000_000_000), ("seed", MAX_SEED + 1), ("seed", 1.5), ("seed", True),
    ("batch_size", 0), ("batch_size", 2**31), ("batch_size", MAX_BATCH_SIZE + 1), ("batch_size", 10.0),
    ("epochs", 0), ("epochs", 2**31), ("epochs", MAX_EPOCHS + 1),
    ("learning_rate", 0.0), ("learning_rate", float("nan")), ("learning_rate", "3"),
    ("momentum", "x"), ("momentum", 1.0), ("l2", -1.0), ("l2", float("inf")), ("l2", 2.0), ("augment", "yes"), ("deskew", 1),
    ("layer_sizes", (784,)), ("layer_sizes", (784, 0, 10)), ("layer_sizes", (784, 16.0, 10)),
    ("layer_sizes", (784,) + (10,) * 40), ("layer_sizes", "784-10"),
])
def test_out_of_range_or_mistyped_fields_raise_value_error_naming_them(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        TrainConfig().replace(**{field: value}).validate()


def test_the_limits_themselves_validate() -> None:
    TrainConfig(seed=MAX_SEED, batch_size=MAX_BATCH_SIZE, epochs=MAX_EPOCHS).validate()
    TrainConfig(seed=0, batch_size=1, epochs=1).validate()


@pytest.mark.parametrize("d", [
    [], "x", {"layer_sizes": 5}, {"layer_sizes": ["a"]}, {"layer_sizes": [784, None, 10]},
    {"layer_sizes": list(range(10**5))},
])
def test_from_dict_raises_only_value_error(d: object) -> None:
    with pytest.raises(ValueError):
        TrainConfig.from_dict(d).validate()


def test_from_dict_round_trips() -> None:
    config = TrainConfig(layer_sizes=(784, 30, 10), seed=12)
    assert TrainConfig.from_dict(config.to_dict()) == config


def test_deskew_is_off_by_default_and_in_old_dicts_and_reaches_the_network() -> None:
    assert TrainConfig().deskew is False and PRESETS["3b1b"].deskew is False
    old = TrainConfig(layer_sizes=(784, 30, 10)).to_dict()
    del old["deskew"]  # a setting or file written before the field existed
    assert TrainConfig.from_dict(old).deskew is False
    assert TrainConfig.from_dict(old).build_network().deskew is False
    flagged = TrainConfig(layer_sizes=(784, 30, 10), deskew=True)
    assert flagged.build_network().deskew is True
    assert TrainConfig.from_dict(flagged.to_dict()) == flagged
