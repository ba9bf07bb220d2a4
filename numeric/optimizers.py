r"""The optimizers of the lecture (Prince, *Understanding Deep Learning*, ch. 6), one name each.

All of them step on the gradient of the **sum** of the per-sample losses of the batch
B_t (the lecture's L[phi] = sum_i l_i restricted to the batch; Prince eq. 6.4)::

    g_t = sum_{i in B_t} dl_i/dphi [phi_t]

``gd`` (eq. 6.3) and ``sgd`` (section 6.2) -- torch.optim.SGD without momentum::

    phi_{t+1} = phi_t - alpha g_t            (gd: B_t is the whole training set)

``momentum`` -- the **book's** rule (eq. 6.11), implemented by :class:`BookMomentum`::

    m_{t+1}   = beta m_t + (1 - beta) g_t,   m_0 = 0
    phi_{t+1} = phi_t - alpha m_{t+1}

This is *not* ``torch.optim.SGD(momentum=beta)``, which accumulates ``b_t = beta b_{t-1} + g_t``
(b_1 = g_1) and steps ``phi -= lr b_t``. Since m_t = (1 - beta) b_t, the book's rule with
alpha equals torch's with ``lr = alpha (1 - beta)``; ``dampening=beta`` in torch does *not*
give the book's rule (torch skips dampening on the first step).

``adam`` (eqs. 6.15-6.17) -- torch.optim.Adam, whose update is exactly the book's::

    m_{t+1} = beta m_t + (1 - beta) g_t,         v_{t+1} = gamma v_t + (1 - gamma) g_t^2
    m~ = m_{t+1} / (1 - beta^{t+1}),             v~ = v_{t+1} / (1 - gamma^{t+1})
    phi_{t+1} = phi_t - alpha m~ / (sqrt(v~) + epsilon)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["OPTIMIZERS", "DEFAULT_LR", "BookMomentum", "make_optimizer"]

#: Optimizer names accepted by the trainer and ``deepderive train --optimizer``.
OPTIMIZERS: tuple[str, ...] = ("gd", "sgd", "momentum", "adam")

#: Default learning rates alpha. The gradient is a *sum* over the batch, so for gd/sgd/momentum
#: a stable alpha shrinks as the batch grows; Adam's step does not scale with the gradient.
DEFAULT_LR: dict[str, float] = {"gd": 0.005, "sgd": 0.01, "momentum": 0.01, "adam": 0.01}


def _book_momentum() -> type:
    """The class :class:`BookMomentum`, built on first use (``torch`` is imported then)."""
    global _BOOK_MOMENTUM
    if _BOOK_MOMENTUM is None:
        import torch

        class BookMomentum(torch.optim.Optimizer):
            """Prince eq. 6.11: ``m <- beta m + (1 - beta) g``, ``phi <- phi - alpha m`` (m starts at 0)."""

            def __init__(self, params: Iterable[torch.Tensor], lr: float, beta: float = 0.9) -> None:
                if not lr > 0:
                    raise ValueError(f"learning rate alpha must be positive, got {lr}")
                if not 0.0 <= beta < 1.0:
                    raise ValueError(f"momentum beta must be in [0, 1), got {beta}")
                super().__init__(params, {"lr": lr, "beta": beta})

            @torch.no_grad()
            def step(self, closure=None):  # type: ignore[override]
                """One update of every parameter that has a gradient."""
                loss = None
                if closure is not None:
                    with torch.enable_grad():
                        loss = closure()
                for group in self.param_groups:
                    params = [p for p in group["params"] if p.grad is not None]
                    if not params:
                        continue
                    grads = [p.grad for p in params]
                    ms = []
                    for p in params:
                        state = self.state[p]
                        if "m" not in state:
                            state["m"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                        ms.append(state["m"])
                    torch._foreach_mul_(ms, group["beta"])  # m <- beta m
                    torch._foreach_add_(ms, grads, alpha=1.0 - group["beta"])  # ... + (1 - beta) g
                    torch._foreach_add_(params, ms, alpha=-group["lr"])  # phi <- phi - alpha m
                return loss

        BookMomentum.__qualname__ = "BookMomentum"
        _BOOK_MOMENTUM = BookMomentum
    return _BOOK_MOMENTUM


_BOOK_MOMENTUM: type | None = None


def __getattr__(name: str):
    if name == "BookMomentum":  # importing the names OPTIMIZERS and DEFAULT_LR needs no torch
        return _book_momentum()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_optimizer(name: str, params: Iterable[torch.Tensor], lr: float, beta: float = 0.9,
                   gamma: float = 0.999, epsilon: float = 1e-8) -> torch.optim.Optimizer:
    """The optimizer ``name`` (one of :data:`OPTIMIZERS`) with learning rate alpha = ``lr``.

    ``beta`` is the momentum coefficient (momentum, Adam's first moment), ``gamma`` Adam's
    second-moment coefficient, ``epsilon`` Adam's denominator offset.
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    if not lr > 0 or lr == float("inf"):
        raise ValueError(f"learning rate must be a positive finite number, got {lr}")
    import torch

    if name in ("gd", "sgd"):
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return _book_momentum()(params, lr=lr, beta=beta)
    return torch.optim.Adam(params, lr=lr, betas=(beta, gamma), eps=epsilon)
