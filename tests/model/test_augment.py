"""The training distortions beyond affine: stroke width and elastic fields, and ``distort``."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.model.augment import Distortion, curl_sixes, distort, elastic_field, flag_ones, random_affine, stroke_width
from digitlab.model.config import PRESETS, TrainConfig
from digitlab.model.train import Trainer


def _ink_box_side(images: np.ndarray) -> np.ndarray:
    """Longer side of each image's box of pixels above 0.05, (n,)."""
    ink = images.reshape(-1, 28, 28) > 0.05
    rows, cols = ink.any(axis=2), ink.any(axis=1)
    side = lambda m: m.shape[1] - np.argmax(m[:, ::-1], axis=1) - np.argmax(m, axis=1)  # noqa: E731
    return np.maximum(side(rows), side(cols))


def test_thickening_adds_ink_and_thinning_removes_it(mnist) -> None:
    x = mnist.train_x[:64]
    thick = stroke_width(x, np.full(64, 1.0, np.float32))
    thin = stroke_width(x, np.full(64, -0.6, np.float32))
    same = stroke_width(x, np.zeros(64, np.float32))
    assert thick.shape == thin.shape == x.shape and thick.dtype == np.float32
    np.testing.assert_allclose(same, x / x.max(axis=1, keepdims=True), atol=1e-6)
    # a full 3x3 dilation adds about one pixel on each side of every stroke: much more ink
    assert (thick.sum(axis=1) > 1.5 * x.sum(axis=1)).all()
    assert (thin.sum(axis=1) < x.sum(axis=1)).all()
    # the peak is 1 again, as preprocess makes it, and everything stays in [0, 1]
    np.testing.assert_allclose(thick.max(axis=1), 1.0)
    np.testing.assert_allclose(thin.max(axis=1), 1.0)
    assert thick.min() >= 0 and thin.min() >= 0
    # a blank image stays blank
    assert not stroke_width(np.zeros((1, 784), np.float32), np.ones(1, np.float32)).any()


def test_elastic_field_is_smooth_seeded_and_scaled_by_alpha() -> None:
    a = elastic_field(200, np.random.default_rng(1), alpha=34.0, sigma=4.0)
    b = elastic_field(200, np.random.default_rng(1), alpha=34.0, sigma=4.0)
    assert a.shape == (200, 2, 784) and a.dtype == np.float32
    assert np.array_equal(a, b)
    # Simard's 34 / 4 moves pixels by about 1.4 px (std), and neighbours move almost alike
    assert 0.8 < a.std() < 2.0
    grid = a.reshape(200, 2, 28, 28)
    assert np.abs(np.diff(grid, axis=3)).mean() < 0.2 * np.abs(grid).mean()
    half = elastic_field(200, np.random.default_rng(1), alpha=17.0, sigma=4.0)
    np.testing.assert_allclose(half, a / 2, rtol=1e-5, atol=1e-6)


def test_distort_equals_random_affine_when_the_extras_are_off(mnist) -> None:
    x = mnist.train_x[:32]
    d = Distortion(rotation_deg=20, shear=0.3)
    assert np.array_equal(distort(x, np.random.default_rng(3), d), random_affine(x, np.random.default_rng(3), d))
    # random_affine ignores the extras, so the retraining's copies keep their meaning
    extras = Distortion(stroke_width=1.0, elastic_alpha=34.0)
    assert np.array_equal(random_affine(x, np.random.default_rng(3), extras), random_affine(x, np.random.default_rng(3)))


def test_distort_with_every_extra_is_seeded_keeps_the_ink_and_the_box(mnist) -> None:
    x = mnist.train_x[:256]
    d = Distortion(rotation_deg=15, shear=0.2, stroke_width=1.0, elastic_alpha=20.0)
    a = distort(x, np.random.default_rng(7), d)
    assert np.array_equal(a, distort(x, np.random.default_rng(7), d))
    assert not np.array_equal(a, distort(x, np.random.default_rng(8), d))
    assert a.shape == x.shape and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 1 + 1e-6
    assert (a.sum(axis=1) > 0.3 * x.sum(axis=1)).all()  # no digit vanishes
    # thickening shrinks the image to pay for the width it adds: boxes stay near MNIST's 20 px
    thick = distort(x, np.random.default_rng(7), Distortion(0, 0, 0, 0, stroke_width=1.0))
    assert abs(np.median(_ink_box_side(thick)) - np.median(_ink_box_side(x))) <= 1.5


def test_the_accurate_preset_trains_with_flagged_ones_and_curled_sixes() -> None:
    accurate = PRESETS["accurate"]
    assert accurate.augment and accurate.flag_ones > 0 and accurate.curl_sixes > 0
    # elastic and stroke-width distortions cost drawn-digit accuracy in short runs: off
    assert accurate.distortion() == Distortion()
    assert PRESETS["3b1b"].flag_ones == PRESETS["3b1b"].curl_sixes == 0  # the lesson's network is unchanged


def test_flag_ones_adds_a_stroke_to_the_left_of_the_ones_only(mnist) -> None:
    x, y = mnist.train_x[:500], mnist.train_y[:500]
    flagged = flag_ones(x, y, np.random.default_rng(0), share=1.0)
    assert flagged.shape == x.shape and flagged.dtype == np.float32
    assert np.array_equal(flagged[y != 1], x[y != 1])  # other digits untouched
    assert np.array_equal(flag_ones(x, y, np.random.default_rng(0), 1.0), flagged)  # seeded
    ones = y == 1
    added = flagged[ones] - x[ones]
    assert (added >= 0).all() and (flagged <= 1).all()
    assert (added.sum(axis=1) > 1.5).mean() > 0.9  # (nearly) every one got a visible flag
    # the flag hangs from the top of the stem, to its left: the added ink lies above the digit's
    # centre of mass and left of where the stem starts
    rows, cols = np.arange(784) // 28, np.arange(784) % 28
    mass = added.sum(axis=1) + 1e-9
    digit_rows = (x[ones] @ rows) / x[ones].sum(axis=1)
    assert ((added @ rows) / mass < digit_rows).mean() > 0.9
    top = np.argmax(x[ones].reshape(-1, 28, 28).max(axis=2) > 0.3, axis=1)
    top_cols = np.array([np.flatnonzero(img.reshape(28, 28)[t] > 0.3).mean() for img, t in zip(x[ones], top)])
    assert ((added @ cols) / mass < top_cols).mean() > 0.9
    assert np.array_equal(flag_ones(x, y, np.random.default_rng(0), share=0.0), x)


def test_curl_sixes_adds_a_stroke_to_the_right_at_the_top_of_the_sixes_only(mnist) -> None:
    x, y = mnist.train_x[:600], mnist.train_y[:600]
    curled = curl_sixes(x, y, np.random.default_rng(0), share=1.0)
    assert np.array_equal(curled[y != 6], x[y != 6])
    assert np.array_equal(curl_sixes(x, y, np.random.default_rng(0), 1.0), curled)
    sixes = y == 6
    added = curled[sixes] - x[sixes]
    assert (added >= 0).all() and (added.sum(axis=1) > 1.0).mean() > 0.9
    rows, cols = np.arange(784) // 28, np.arange(784) % 28
    mass = added.sum(axis=1) + 1e-9
    top = np.argmax(x[sixes].reshape(-1, 28, 28).max(axis=2) > 0.3, axis=1)
    top_cols = np.array([np.flatnonzero(img.reshape(28, 28)[t] > 0.3).mean() for img, t in zip(x[sixes], top)])
    assert ((added @ cols) / mass > top_cols).mean() > 0.9  # to the right of where the 6 starts
    assert ((added @ rows) / mass < (x[sixes] @ rows) / x[sixes].sum(axis=1)).mean() > 0.9  # in its upper part


@pytest.mark.parametrize("field, value", [("flag_ones", 1.5), ("curl_sixes", -0.1), ("elastic_alpha", -1.0),
                                          ("stroke_width", float("nan")), ("elastic_sigma", 0.0)])
def test_a_bad_distortion_range_is_refused_naming_its_field(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        TrainConfig(**{field: value}).validate()


def test_a_trainer_with_the_accurate_recipe_learns(mnist) -> None:
    config = PRESETS["accurate"].replace(layer_sizes=(784, 32, 10), epochs=3, batch_size=32)
    net = config.build_network()
    records = list(Trainer(net, config, mnist.train_x[:4000], mnist.train_y[:4000], mnist.test_x[:500],
                           mnist.test_y[:500]).steps())
    assert records[-1].test_accuracy > 0.8


def test_the_accurate_recipe_learns_from_distorted_images_deskewed_after_distortion(mnist, monkeypatch) -> None:
    from digitlab.model import train
    from digitlab.model.deskew import deskew, slant

    config = PRESETS["accurate"].replace(layer_sizes=(784, 32, 10), batch_size=16)
    assert config.deskew and config.augment
    net = config.build_network()
    distorted, read = [], []
    real_distort, real_inputs = train.distort, net.inputs
    monkeypatch.setattr(train, "distort", lambda *a: distorted.append(real_distort(*a)) or distorted[-1])
    monkeypatch.setattr(net, "inputs", lambda x: read.append(real_inputs(x)) or read[-1])
    Trainer(net, config, mnist.train_x[:64], mnist.train_y[:64]).step(np.arange(16))
    # the batch the network learned from is the distorted batch, deskewed: distortion first
    np.testing.assert_array_equal(read[0], deskew(distorted[0]))
    assert np.abs(slant(read[0])).max() < 0.01 < np.abs(slant(distorted[0])).mean()
