"""The check harness: symbolic-versus-PyTorch cross-checks, exact checks, record ids, evidence counts."""
