"""SymPy machinery that knows no lecture: reverse-mode differentiation, printing, step checks,
derivations, compilation to numpy/torch, JavaScript."""
