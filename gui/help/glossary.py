"""Every symbol the window shows, in the words of 3Blue1Brown's lesson on neural networks.

``GLOSSARY`` is plain data (symbol, name, meaning) so the Help dialog and the tests read the same
list; ``glossary_html`` lays it out as a table. The notation is Michael Nielsen's (*Neural Networks
and Deep Learning*, chapters 1-2), which the lesson follows: layer l's activations a, weighted inputs
z = w a + b, the error δ = ∂C/∂z, and the four backpropagation equations BP1-BP4.
"""

from __future__ import annotations

import html

GLOSSARY: tuple[tuple[str, str, str], ...] = (
    ("a", "activation",
     "How lit up a neuron is: a number for each neuron (0 to 1 for sigmoid). The input layer's 784 "
     "activations are the pixels of the 28x28 image; the output layer's ten are the network's answer."),
    ("w", "weight",
     "The strength of one connection from a neuron in the previous layer. Blue is negative, red is "
     "positive; a first-layer neuron's 784 weights are drawn as a 28x28 tile: the pattern it looks for."),
    ("b", "bias",
     "A number added to each neuron's weighted sum: how high the sum must be before the neuron becomes "
     "meaningfully active."),
    ("z", "weighted input",
     "z = w·a + b: the weighted sum of the previous layer's activations plus the bias, before the "
     "squishing function."),
    ("σ(z)", "sigmoid",
     "The squishing function of the lesson's network: it squeezes any z into 0..1, so a = σ(z)."),
    ("ReLU", "rectified linear unit",
     "max(0, z): passes positive weighted inputs and zeroes negative ones. Deep networks learn faster with it."),
    ("softmax", "softmax outputs",
     "Turns the ten output values into probabilities that sum to 1 (shown as percentages). Sigmoid "
     "outputs do not sum to 1: each is an activation between 0 and 1, not a probability."),
    ("y", "label, desired output",
     "What the network should answer: 1 for the right digit's output neuron and 0 for the others."),
    ("C", "cost",
     "How lousy the network is on an example: the quadratic cost adds up the squares of the "
     "differences between the outputs and y; cross-entropy is the cost that goes with softmax. "
     "Training makes the average cost over all examples small."),
    ("y − a", "nudge",
     "How the cost wants each output to move: up for the right digit, down for the others. The "
     "arrows beside the bars and the output column of the network view show it."),
    ("δ", "error",
     "δ = ∂C/∂z: how sensitive the cost is to a neuron's weighted input. Backpropagation computes it "
     "for the last layer and carries it backwards, layer by layer."),
    ("∂C/∂w, ∂C/∂b", "gradient",
     "How much the cost changes when one weight or bias is nudged. All of them together are the "
     "gradient ∇C: the direction of steepest increase of the cost."),
    ("−η ∇C", "one step of gradient descent",
     "Each weight and bias moves a little against its gradient: w → w − η ∂C/∂w. The change Δw is what "
     "the network view highlights."),
    ("η", "learning rate",
     "The size of each step downhill. Too small and learning crawls; too large and the cost jumps around."),
    ("BP1", "the output layer's error",
     "δ for the output layer: how the cost changes with each output times how fast each output "
     "changes with its weighted input, δ = ∇ₐC ⊙ σ′(z)."),
    ("BP2", "the error, one layer back",
     "The next layer's errors sent backwards along the same weights, times σ′(z): "
     "δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)."),
    ("BP3", "the gradient for a bias",
     "∂C/∂b = δ: a bias changes the cost exactly as its neuron's weighted input does."),
    ("BP4", "the gradient for a weight",
     "∂C/∂w = a_in · δ_out: neurons that fire together wire together; a weight from a neuron that was "
     "not active changes nothing."),
    ("‖∂C/∂w‖", "gradient norm",
     "The length of one layer's gradient: how hard that layer is being pushed. Vanishing norms in the "
     "first layers mean they have stopped learning."),
    ("mini-batch", "mini-batch",
     "A handful of examples whose gradients are averaged into one step: a drunk man stumbling "
     "quickly downhill rather than a careful man computing every step."),
    ("epoch", "epoch", "One pass over all 60,000 training images."),
    ("L1 · 16", "layer and size",
     "Layer 1 with its 16 neurons; L2 the second hidden layer; output · 10 the ten digits."),
    ("accuracy", "accuracy",
     "The share of images the network reads right: train on images it learns from, test on 10,000 it never sees."),
)


def glossary_html() -> str:
    rows = "".join(
        f"<tr><td style='padding:3px 10px 3px 0; white-space:nowrap'><b>{html.escape(symbol)}</b></td>"
        f"<td style='padding:3px 10px 3px 0'><i>{html.escape(name)}</i></td>"
        f"<td style='padding:3px 0'>{html.escape(meaning)}</td></tr>"
        for symbol, name, meaning in GLOSSARY
    )
    return ("<p>The symbols Digit Lab shows, as 3Blue1Brown's lesson on neural networks explains them "
            "(notation of Michael Nielsen's <i>Neural Networks and Deep Learning</i>).</p>"
            f"<table cellspacing='0'>{rows}</table>")
