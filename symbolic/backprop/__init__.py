"""Backpropagation as a straight-line program: the chain rule, compiled layer by layer, the toy example."""
