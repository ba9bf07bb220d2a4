"""The activation functions a[.] as SymPy functions, and the ones a lecturer registers."""
