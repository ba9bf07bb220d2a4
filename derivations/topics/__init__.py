"""One derivation script per lecture topic, and the runner that builds them in the lecture's order."""
