"""Where it goes wrong: the confusion matrix, the error browser, and what a hidden neuron looks for."""
