"""Loss functions from maximum likelihood: the recipe engine, the lecture's six losses, the
book's nine, per-sample and network losses, and the ones a lecturer registers."""
