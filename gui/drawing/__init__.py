"""Drawing and recognition: the canvas, what the network sees (preview), and its ten outputs."""
