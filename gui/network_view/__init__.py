"""The network view: weights as tiles and edges, activations, a step's changes, nudges, hover."""
