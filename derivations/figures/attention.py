"""The figure of self-attention: the attention matrix A = Softmax[K^T Q / sqrt(D_q)] of one head at
random tokens (each column a softmax over the keys), and the same head's matrix for the tokens in
another order, its rows and columns permuted alike (in the style of UDL figure 12.3)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["attention_figure"]


def _panel(ax, A: np.ndarray, tokens: list[int], title: str):
    N = A.shape[0]
    ax.imshow(A, cmap="Blues", vmin=0.0, vmax=1.0)
    for r in range(N):
        for c in range(N):
            ax.text(c, r, f"{A[r, c]:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if A[r, c] > 0.6 else "black")
    ax.set_xticks(range(N), [f"$q_{{{t}}}$" for t in tokens], fontsize=8)
    ax.set_yticks(range(N), [f"$k_{{{t}}}$" for t in tokens], fontsize=8)
    ax.set_xlabel("query (token)", fontsize=8)
    ax.set_ylabel("key (token)", fontsize=8)
    ax.set_title(title, fontsize=9)


def attention_figure(A: np.ndarray, A_moved: np.ndarray, order: list[int]):
    """``A`` (N, N): the attention weights a[x_m, x_n] (row m the key, column n the query) of the
    compiled head at random tokens; ``A_moved``: the same head's weights for the tokens in the
    order ``order`` (1-based token numbers, first to last)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.0, 2.9))
    N = A.shape[0]
    _panel(left, A, list(range(1, N + 1)), "tokens in their order")
    _panel(right, A_moved, list(order), "the tokens reordered")
    fig.tight_layout()
    return fig
