"""The figure of self-attention: the attention matrix A = Softmax[K^T Q / sqrt(D_q)] of one head at
random tokens (each column a softmax over the keys), and the same head's matrix for the tokens in
another order, its rows and columns permuted alike (in the style of UDL figure 12.3)."""

from __future__ import annotations

import numpy as np

from derivations.figures.style import figure, styled

__all__ = ["attention_figure"]

#: The fraction of the text width the notes print the figure at (its ``\\includegraphics``).
WIDTH = 0.8


def _panel(ax, A: np.ndarray, tokens: list[int], title: str):
    N = A.shape[0]
    ax.imshow(A, cmap="Blues", vmin=0.0, vmax=1.0)
    for r in range(N):
        for c in range(N):
            ax.text(c, r, f"{A[r, c]:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if A[r, c] > 0.6 else "black")
    ax.set_xticks(range(N), [f"$q_{{{t}}}$" for t in tokens])
    ax.set_yticks(range(N), [f"$k_{{{t}}}$" for t in tokens])
    ax.set_xlabel("query (token)")
    ax.set_ylabel("key (token)")
    ax.set_title(title)


@styled
def attention_figure(A: np.ndarray, A_moved: np.ndarray, order: list[int]):
    """``A`` (N, N): the attention weights a[x_m, x_n] (row m the key, column n the query) of the
    compiled head at random tokens; ``A_moved``: the same head's weights for the tokens in the
    order ``order`` (1-based token numbers, first to last)."""
    fig = figure(WIDTH, 2.9)
    left, right = fig.subplots(1, 2)
    N = A.shape[0]
    _panel(left, A, list(range(1, N + 1)), "tokens in their order")
    _panel(right, A_moved, list(order), "the tokens reordered")
    return fig
