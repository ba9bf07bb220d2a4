"""The figure of convolution: the layer's banded weight matrix, each entry printed from the
derived matrix, and the receptive field of stacked kernel-3 layers, counted from their
composed expressions (in the style of the figures of UDL chapter 10)."""

from __future__ import annotations

from matplotlib.patches import Rectangle

from derivations.figures.style import figure, styled

__all__ = ["convolution_figure"]

#: The fraction of the text width the notes print the figure at (its ``\\includegraphics``).
WIDTH = 1.0
#: One colour per kernel weight (by its printed name), white for a zero.
COLORS = ("#9ecae1", "#a1d99b", "#fdae6b", "#bcbddc", "#fc9272")


@styled
def convolution_figure(labels: list[list[str]], fields: list[list[int]]):
    """``labels[r][c]``: the LaTeX of the weight matrix's entry (``"0"`` for a zero);
    ``fields[n - 1]``: the input offsets the middle output of n stacked layers depends on."""
    fig = figure(WIDTH, 2.9)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
    names = sorted({e for row in labels for e in row if e != "0"})
    rows, cols = len(labels), len(labels[0])
    for r, row in enumerate(labels):
        for c, entry in enumerate(row):
            color = "white" if entry == "0" else COLORS[names.index(entry) % len(COLORS)]
            left.add_patch(Rectangle((c, rows - 1 - r), 1, 1, facecolor=color, edgecolor="0.6", lw=0.6))
            left.text(c + 0.5, rows - 0.5 - r, f"${entry}$", ha="center", va="center", fontsize=8,
                      color="0.55" if entry == "0" else "black")
    left.set_xlim(0, cols)
    left.set_ylim(0, rows)
    left.set_aspect("equal")
    left.set_xticks([c + 0.5 for c in range(cols)], [f"$x_{{{c + 1}}}$" for c in range(cols)])
    left.set_yticks([rows - 0.5 - r for r in range(rows)], [f"$z_{{{r + 1}}}$" for r in range(rows)])
    left.tick_params(length=0)
    left.set_title("the weight matrix: one band, shared weights")
    widest = max(max(abs(o) for o in f) for f in fields)
    for n, field in enumerate(fields, start=1):
        for offset in range(-widest, widest + 1):
            inside = offset in field
            right.add_patch(Rectangle((offset - 0.45, n - 0.4), 0.9, 0.8, lw=0.5, edgecolor="0.6",
                                      facecolor="#6baed6" if inside else "white"))
        right.text(widest + 0.8, n, str(len(field)), va="center")
    right.set_xlim(-widest - 0.7, widest + 1.6)
    right.set_ylim(0.4, len(fields) + 0.6)
    right.set_yticks(range(1, len(fields) + 1), [str(n) for n in range(1, len(fields) + 1)])
    right.set_xticks(range(-widest, widest + 1), [str(o) for o in range(-widest, widest + 1)])
    right.set_xlabel("input position, relative to the output")
    right.set_ylabel("stacked layers")
    right.set_title("receptive field (blue; counted on the right)")
    for side in ("top", "right", "left"):
        right.spines[side].set_visible(False)
    return fig
