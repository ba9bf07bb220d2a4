"""The multivariate normal's Cholesky factor, read row by row: n = 3 catches an order slip that n = 2 cannot.

The outputs after the mean fill the lower triangle of L row by row, (1,1), (2,1), (2,2), (3,1),
(3,2), (3,3). For n = 2 that is also the column-by-column order, so a factor filled column by
column (the transposed upper triangle read row by row) gives the very same L and every n = 2
check passes; for n = 3 it puts f_7 = L_22 where L_31 belongs. The book's checks therefore run
at n = 3 too (``test_book_losses.py``, ``test_loss_edges.py``); here a deliberate slip, on the
torch side and on the SymPy side, shows that n = 2 misses it and n = 3 does not.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

from derivations.checks.crosscheck import gradient_check
from numeric import loss_twins
from symbolic.losses import book
from symbolic.core.compile import compile_program
from symbolic.spec import NetworkSpec


def _column_by_column(f: torch.Tensor, n: int) -> torch.Tensor:
    """The slip: L (I, n, n) filled column by column from the outputs after the mean."""
    upper_rows, upper_cols = torch.triu_indices(n, n, device=f.device)  # the upper triangle, row by row
    rows, cols = upper_cols, upper_rows  # ... transposed: the lower triangle, column by column
    values = torch.where(rows == cols, torch.exp(f[:, n:]), f[:, n:])
    L = f.new_zeros(f.shape[0], n, n)
    L[:, rows, cols] = values
    return L


def _D_o(n: int) -> int:
    return n + n * (n + 1) // 2


def _verify_passes(n: int) -> bool:
    """verify's cross-check of the network's loss and gradient against the twin and the oracle."""
    checks = gradient_check(NetworkSpec((2, 3, _D_o(n)), "tanh"), "multivariate-normal", I=16, seed=2,
                            paths=("layers",))
    return all(c.passed for c in checks)


def test_the_column_order_is_the_row_order_at_n_2_only():
    assert book.cholesky_entries(2) == [(0, 0), (1, 0), (1, 1)]
    f = torch.randn(4, _D_o(3), dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert torch.equal(_column_by_column(f[:, :5], 2), loss_twins.cholesky_factor(f[:, :5], 2))
    assert not torch.equal(_column_by_column(f, 3), loss_twins.cholesky_factor(f, 3))


@pytest.mark.parametrize("n", [2, 3])
def test_the_row_by_row_factor_passes_verify(n):
    assert _verify_passes(n)


def test_a_factor_filled_column_by_column_passes_at_n_2_and_fails_at_n_3(monkeypatch):
    monkeypatch.setattr(loss_twins, "cholesky_factor", _column_by_column)
    assert _verify_passes(2)  # blind: the same L
    assert not _verify_passes(3)  # caught: the compiled SymPy loss and the twin disagree


def _symbolic_agrees_with_twin(n: int) -> bool:
    """The per-sample loss of a freshly built SymPy block against the (row-by-row) torch twin."""
    f = tuple(sp.Symbol(f"f_{{{j}}}", real=True) for j in range(1, _D_o(n) + 1))
    block = book._multivariate_normal(f)
    fn = compile_program(list(f) + list(block.targets), [], [block.per_sample()], "numpy")
    gen = torch.Generator().manual_seed(1)
    F = torch.randn(8, _D_o(n), dtype=torch.float64, generator=gen)
    Y = torch.randn(8, n, dtype=torch.float64, generator=gen)
    ours = fn(*[F[:, j].numpy() for j in range(_D_o(n))], *[Y[:, j].numpy() for j in range(n)])[0]
    twin = -torch.distributions.MultivariateNormal(F[:, :n], scale_tril=loss_twins.cholesky_factor(F, n)).log_prob(Y)
    return bool(np.allclose(ours, twin.numpy(), rtol=1e-12, atol=0.0))


def test_a_symbolic_factor_read_column_by_column_passes_at_n_2_and_fails_at_n_3(monkeypatch):
    assert _symbolic_agrees_with_twin(2) and _symbolic_agrees_with_twin(3)
    monkeypatch.setattr(book, "cholesky_entries", lambda n: [(r, c) for c in range(n) for r in range(c, n)])
    assert _symbolic_agrees_with_twin(2)
    assert not _symbolic_agrees_with_twin(3)
