"""Gradient descent and the optimizers' update rules, symbolically."""
