"""matplotlib figures for the notes (mathtext only, no usetex); one module per area.

Plotting stays out of the math core: these functions take library objects and numbers
and return a ``matplotlib.figure.Figure``.
"""

import matplotlib

matplotlib.use("Agg")
