"""Train continues the network shown when the settings fit it, and starts a new one when not."""

from __future__ import annotations

import numpy as np

from digitlab.gui.training.run_setup import make_recipe
from digitlab.model.config import PRESETS


def test_the_shown_network_is_trained_on_when_the_settings_fit_it() -> None:
    config = PRESETS["3b1b"]
    current = config.build_network()
    recipe, how = make_recipe(config, current)
    assert how == "trained on MNIST"
    assert recipe.network is not current  # a copy: the window's network is not trained in place
    np.testing.assert_array_equal(recipe.network.weights[0], current.weights[0])


def test_ticking_deskew_starts_a_new_network_that_deskews() -> None:
    config = PRESETS["3b1b"]
    current = config.build_network()
    recipe, how = make_recipe(config.replace(deskew=True), current)
    assert how.startswith("new 784-16-16-10 network trained")
    assert recipe.network.deskew and not current.deskew
