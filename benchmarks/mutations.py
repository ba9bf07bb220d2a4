"""Mutation harness: does a wrong piece of mathematics turn a named check of the notes red?

    python benchmarks/mutations.py [--list] [--only A,B] [--out DIR] [--jobs N] [--check-anchors]

Each entry of :data:`MUTATIONS` is one deliberate error in the mathematics (a file, an exact
text that occurs there exactly once, its replacement, what it breaks and the notes topics
that should notice). For each mutation the harness copies the checkout (tracked and
untracked-but-not-ignored files, never ``.git`` or build outputs) to a temporary folder,
applies the edit there, runs

    python -m derivations notes --no-pdf --device cpu --topics <affected> --out <tmp>

(the ``deepderive notes`` command) with ``PYTHONPATH`` pointing at the copy, and reads
``verification.json`` (for a mutation marked ``html``, the notes run with ``--html`` and
the records read are ``html/verification.json``: the notes' checks and the web pages' own,
such as the figures' JavaScript read back in Node.js). A mutation is *caught* when some
record that passes on the unmutated checkout (the baseline, run once for the same topics) has ``passed: false``.
A topic that crashes (the notes' ``topic ... builds`` record), a run that dies with a
traceback or writes no ``verification.json`` is **not** caught. The checkout itself is
never changed.

``--out DIR`` writes ``DIR/mutations.json`` (a list of ``{"name", "file", "caught",
"failed_checks": [ids], ...}``) and ``DIR/mutations.md`` (the table). ``--check-anchors``
only checks that every mutation's text occurs exactly once in its file (exit 1 naming
those that do not), so whoever refactors a file learns at once that an anchor moved.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parent.parent

#: Folders never copied (version control, caches, build and run outputs).
SKIP_DIRS = {".git", "__pycache__", ".hypothesis", ".pytest_cache", ".benchmarks", "build", "out", ".venv"}


@dataclass(frozen=True)
class Mutation:
    """One error in the mathematics: in ``file``, ``old`` (exactly once) becomes ``new``;
    ``also`` holds further ``(old, new)`` edits of the same file (a change made consistently);
    ``html`` runs the notes with ``--html`` (a mutation only the web pages' checks can see)."""

    name: str
    file: str
    old: str
    new: str
    breaks: str
    topics: tuple[str, ...]
    also: tuple[tuple[str, str], ...] = field(default=())
    html: bool = False

    @property
    def edits(self) -> tuple[tuple[str, str], ...]:
        return ((self.old, self.new),) + self.also


M = Mutation
MUTATIONS: tuple[Mutation, ...] = (
    # ----- shallow ---------------------------------------------------------------------------
    M("shallow-rename-permuted", "symbolic/networks/network.py",
      "mapping[self.phi[j, d + 1]] = deep.omega[1][j, d]",
      "mapping[self.phi[j, d + 1]] = deep.omega[1][j, (d + 1) % self.D]",
      "the shallow-to-deep renaming sends phi_d to the weight of unit d + 1", ("shallow",)),
    M("shallow-output-bias-dropped", "symbolic/networks/network.py",
      "hh = sp.Matrix([1] + self.h)", "hh = sp.Matrix([0] + self.h)",
      "the shallow network's output loses its bias phi_0", ("shallow",)),
    M("shallow-hidden-bias-sign", "symbolic/networks/network.py",
      "x = sp.Matrix([1] + self.inputs)", "x = sp.Matrix([-1] + self.inputs)",
      "the shallow network's hidden units subtract theta_d0 instead of adding it", ("shallow",)),
    # ----- activations -----------------------------------------------------------------------
    M("relu-derivative-at-0-is-1", "symbolic/spec/activations.py",
      'torch_code="(({0}) > 0).to(({0}).dtype)"', 'torch_code="(({0}) >= 0).to(({0}).dtype)"',
      "the indicator's torch code gives I[0] = 1: ReLU'(0) = 1 in the compiled derivative and H(0) = 1 "
      "in the twin; the notes say ReLU'(0) = 0 as PyTorch and H(0) = 0",
      ("activations", "backprop")),
    M("indicator-at-0-is-1", "symbolic/core/gates.py",
      "return sp.S.One if z > 0 else sp.S.Zero", "return sp.S.One if z >= 0 else sp.S.Zero",
      "the exact indicator I[z > 0] gives 1 at z = 0, so ReLU'(0) = 1 and H(0) = 1 exactly", ("activations",)),
    M("sigmoid-derivative-times-2", "symbolic/activations/functions.py",
      "return sig(self.args[0]) * (1 - sig(self.args[0]))", "return 2 * sig(self.args[0]) * (1 - sig(self.args[0]))",
      "sig'[z] = 2 sig[z](1 - sig[z])", ("activations",)),
    M("tanh-derivative-sign", "symbolic/activations/functions.py",
      "return 1 - Tanh(self.args[0]) ** 2", "return 1 + Tanh(self.args[0]) ** 2",
      "tanh'[z] = 1 + tanh[z]^2", ("activations",)),
    M("leaky-relu-derivative-at-0", "symbolic/activations/functions.py",
      "return s + (1 - s) * Indicator(z)", "return 1 - (1 - s) * Indicator(-z)",
      "leaky ReLU'(0) = 1 instead of the slope 0.1 (the derivative is right everywhere except at the kink)",
      ("activations", "backprop")),
    M("elu-numpy-without-minus-one", "symbolic/spec/activations.py",
      "numpy_code=\"numpy.where({0} > 0, {0}, {1}*numpy.expm1(numpy.minimum({0}, 0.0)))\"",
      "numpy_code=\"numpy.where({0} > 0, {0}, {1}*numpy.exp(numpy.minimum({0}, 0.0)))\"",
      "ELU compiled to NumPy as alpha e^z instead of alpha (e^z - 1) for z <= 0 (ELU(0) = 1)", ("activations",)),
    M("gelu-derivative-normal-density", "symbolic/activations/functions.py",
      "z * sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)", "z * sp.exp(-(z**2) / 2) / sp.sqrt(sp.pi)",
      "GELU' uses a wrong normal density (1/sqrt(pi) instead of 1/sqrt(2 pi))", ("activations",)),
    M("swish-derivative-sign", "symbolic/activations/functions.py",
      "return sig(z) + z * sig(z) * (1 - sig(z))", "return sig(z) + z * sig(z) * (1 + sig(z))",
      "swish'[z] = sig + z sig (1 + sig)", ("activations",)),
    M("softplus-naive-torch-code", "symbolic/spec/activations.py",
      'torch_code="torch.logaddexp(torch.zeros_like({0}), {0})"', 'torch_code="torch.log(1 + torch.exp({0}))"',
      "softplus compiled naively, log(1 + e^z): overflows to inf for large z (the stable-loss claim)",
      ("losses",)),
    # ----- hidden units ----------------------------------------------------------------------
    M("deep-preactivation-sign", "symbolic/networks/network.py",
      "pre = beta_k + omega_k * sp.Matrix(self.h[k])", "pre = beta_k - omega_k * sp.Matrix(self.h[k])",
      "f_k = beta_k - Omega_k h_k in the symbolic network", ("hidden_units",)),
    M("twin-output-activated", "numeric/model.py",
      "h = self.activation(f) if k < K else f", "h = self.activation(f)",
      "the torch twin applies the activation to the outputs too", ("hidden_units",)),
    M("twin-bias-dropped", "numeric/model.py",
      "f = torch.addmm(beta, h, omega.T)", "f = torch.addmm(0 * beta, h, omega.T)",
      "the torch twin drops every bias beta_k", ("hidden_units",)),
    # ----- piecewise linear ------------------------------------------------------------------
    M("joint-sign", "symbolic/regions/piecewise.py",
      "return [-net.theta[d, 0] / net.theta[d, 1] for d in range(net.D)]",
      "return [net.theta[d, 0] / net.theta[d, 1] for d in range(net.D)]",
      "joints at x = theta_d0/theta_d1 instead of -theta_d0/theta_d1", ("piecewise_linear",)),
    M("pieces-split-point", "symbolic/regions/piecewise.py",
      "z = (a.kink - c) / s", "z = (a.kink + c) / s",
      "the exact counter splits a piece at (t + c)/s instead of where s x + c crosses the kink t", ("piecewise_linear",)),
    # ----- universal approximation -----------------------------------------------------------
    M("ua-bound-over-4", "derivations/topics/universal_approximation.py",
      "return h**2 * max_f2 / 8", "return h**2 * max_f2 / 4",
      "the interpolation error bound loosened to h^2 max|f''|/4", ("universal_approximation",)),
    M("ua-bound-over-16", "derivations/topics/universal_approximation.py",
      "return h**2 * max_f2 / 8", "return h**2 * max_f2 / 16",
      "the interpolation error bound tightened to h^2 max|f''|/16 (false)", ("universal_approximation",)),
    M("ua-slope-change", "symbolic/regions/constructions.py",
      "delta = [s[0]] + [s[d] - s[d - 1] for d in range(1, len(s))]",
      "delta = [s[0]] + [s[d] + s[d - 1] for d in range(1, len(s))]",
      "the interpolating network's joint weights add the slopes instead of taking their change",
      ("universal_approximation",)),
    M("ua-output-bias", "symbolic/regions/constructions.py",
      '"beta_1": [Y[0]], "omega_1": [delta]}', '"beta_1": [Y[1]], "omega_1": [delta]}',
      "the interpolating network starts at y_2 instead of y_1", ("universal_approximation",)),
    M("ua-curvature", "derivations/topics/universal_approximation.py",
      "CURVATURE = 4 * np.pi**2", "CURVATURE = 2 * np.pi**2",
      "max|f''| of sin(2 pi x) + x/2 taken as 2 pi^2 instead of 4 pi^2", ("universal_approximation",)),
    # ----- deep networks ---------------------------------------------------------------------
    M("composition-psi-weight", "symbolic/networks/identities.py",
      "psi_def[psi[dp][d + 1]] = theta_p[dp][1] * phi[d + 1]",
      "psi_def[psi[dp][d + 1]] = theta_p[dp][0] * phi[d + 1]",
      "psi_{d'd} = theta'_{d'0} phi_d instead of theta'_{d'1} phi_d", ("deep_networks",)),
    M("composition-psi-bias", "symbolic/networks/identities.py",
      "psi_def[psi[dp][0]] = theta_p[dp][0] + theta_p[dp][1] * phi[0]",
      "psi_def[psi[dp][0]] = theta_p[dp][0] + phi[0]",
      "psi_{d'0} = theta'_{d'0} + phi_0 (the weight theta'_{d'1} forgotten)", ("deep_networks",)),
    M("deep-network-units-reversed", "symbolic/networks/network.py",
      "self.program += [(h_i, a(f_i)) for h_i, f_i in zip(h_next, f_k)]",
      "self.program += [(h_i, a(f_i)) for h_i, f_i in zip(h_next, reversed(f_k))]",
      "the symbolic deep network's hidden unit i activates the pre-activation of unit D_k + 1 - i",
      ("deep_networks",)),
    # ----- counts and regions ----------------------------------------------------------------
    M("parameter-count-2D-plus-1", "symbolic/networks/counts.py",
      "return 3 * D + 1 + (K - 1) * D * (D + 1)", "return 2 * D + 1 + (K - 1) * D * (D + 1)",
      "the one-input parameter count 2D + 1 + (K-1)D(D+1), changed consistently in the derivation",
      ("counts_regions",),
      also=(("first = sp.Mul(D, sp.Add(1, 1, evaluate=False), evaluate=False)",
             "first = sp.Mul(D, sp.Add(1, 0, evaluate=False), evaluate=False)"),
            ("d.add(sp.Add(2 * D, (K - 1) * D * (D + 1), D + 1, evaluate=False)",
             "d.add(sp.Add(D, (K - 1) * D * (D + 1), D + 1, evaluate=False)"))),
    M("zaslavsky-sum-bound", "symbolic/regions/counts.py",
      "return sp.Sum(sp.binomial(D, j), (j, 0, D_i))", "return sp.Sum(sp.binomial(D, j), (j, 0, D_i - 1))",
      "Zaslavsky's sum stops at j = D_i - 1", ("counts_regions", "piecewise_linear")),
    M("region-exponent", "symbolic/regions/counts.py",
      "return (D / D_i + 1) ** (D_i * (K - 1)) * shallow_region_count()",
      "return (D / D_i + 1) ** (D_i * K) * shallow_region_count()",
      "eq. 4.17 with exponent D_i K instead of D_i (K - 1)", ("counts_regions",)),
    M("one-input-regions-exponent", "symbolic/regions/counts.py",
      "return (D + 1) ** K", "return (D + 1) ** (K + 1)",
      "one input: (D + 1)^(K+1) regions", ("counts_regions",)),
    M("max-regions-extra-term", "symbolic/regions/counts.py",
      "sum(comb(D_k, m) for m in range(d + 1))", "sum(comb(D_k, m) for m in range(d + 2))",
      "the upper bound sums binom(D_k, j) up to j = d_k + 1", ("counts_regions",)),
    # ----- depth -----------------------------------------------------------------------------
    M("shallow-twin-first-weight", "symbolic/regions/constructions.py",
      "weights = [-s[0], s[1]] + delta[1:]", "weights = [s[0], s[1]] + delta[1:]",
      "the shallow twin's left-facing unit carries +s_0 instead of -s_0", ("depth",)),
    M("shallow-twin-slope-change", "symbolic/regions/constructions.py",
      "delta = [s[d] - s[d - 1] for d in range(1, J + 1)]", "delta = [s[d] + s[d - 1] for d in range(1, J + 1)]",
      "the shallow twin's weights add neighbouring slopes", ("depth",)),
    M("folding-layer-width", "symbolic/regions/constructions.py",
      "w0 = Fraction(2, 2 * D + 1)", "w0 = Fraction(3, 2 * D + 1)",
      "the folding layer's pieces no longer map onto [0, 1], so composing layers loses regions",
      ("depth", "counts_regions")),
    # ----- losses ----------------------------------------------------------------------------
    M("normal-nll-constant-times-2", "symbolic/losses/lecture.py",
      "+ sp.log(sigma) + sp.log(2 * sp.pi) / 2", "+ 2 * sp.log(sigma) + sp.log(2 * sp.pi)",
      "the normal NLL's constant log(2 pi sigma^2)/2 doubled", ("losses",)),
    M("bernoulli-sign", "symbolic/losses/lecture.py",
      "Softplus(fj) - yj * fj", "Softplus(fj) + yj * fj",
      "Bernoulli NLL softplus[f] + y f", ("losses",)),
    M("poisson-log-factorial-dropped", "symbolic/losses/lecture.py",
      "sp.exp(fj) - yj * fj + sp.loggamma(yj + 1)", "sp.exp(fj) - yj * fj",
      "the Poisson NLL without log y!", ("losses",)),
    M("heteroscedastic-half-log-variance", "symbolic/losses/lecture.py",
      "Square((yj - m) * sp.exp(-s / 2)) / 2 + s / 2", "Square((yj - m) * sp.exp(-s / 2)) / 2 + s",
      "heteroscedastic NLL with s instead of s/2", ("losses",)),
    M("logsumexp-gradient-times-2", "symbolic/losses/sample.py",
      "return sp.exp(self.args[argindex - 1] - self)", "return 2 * sp.exp(self.args[argindex - 1] - self)",
      "d logsumexp/dz_c = 2 softmax_c", ("losses", "backprop")),
    M("torch-poisson-without-log-factorial", "numeric/loss_twins.py",
      '+ torch.lgamma(y + 1)).sum(dim=1)', ').sum(dim=1)',
      "the torch twin's Poisson loss without log y!", ("losses",)),
    M("recipe-binary-cross-entropy", "symbolic/losses/lecture.py",
      "cross_entropy = -y * sp.log(sig(f)) - (1 - y) * sp.log(1 - sig(f))",
      "cross_entropy = -y * sp.log(sig(f)) - y * sp.log(1 - sig(f))",
      "the printed binary cross-entropy weights log(1 - sig[f]) by y instead of 1 - y", ("losses",)),
    M("recipe-normal-density-constant", "symbolic/losses/lecture.py",
      "return sp.exp(-(y - mu) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)",
      "return sp.exp(-(y - mu) ** 2 / (2 * var)) / sp.sqrt(sp.pi * var)",
      "the printed normal density with 1/sqrt(pi var): it does not integrate to one", ("losses",)),
    M("recipe-heteroscedastic-variance", "symbolic/losses/lecture.py",
      'per_sample=[((y - f1) ** 2 / (2 * sp.exp(f2)) + sp.log(2 * sp.pi * sp.exp(f2)) / 2, "log of the density")]',
      'per_sample=[((y - f1) ** 2 / sp.exp(f2) + sp.log(2 * sp.pi * sp.exp(f2)) / 2, "log of the density")]',
      "the printed heteroscedastic per-sample loss without the 1/2 of the squared residual", ("losses",)),
    # ----- gradient descent ------------------------------------------------------------------
    M("full-batch-gd-mean", "numeric/training.py",
      "value = nll(loss, model(xb), yb, sigma, **options)  # sum_{i in B_t} l_i",
      "value = nll(loss, model(xb), yb, sigma, **options) / (xb.shape[0] if idx is None else 1)",
      "full-batch gradient descent steps on the mean loss instead of the sum", ("gradient_descent",)),
    M("symbolic-gd-step-mean", "symbolic/training/gradient_descent.py",
      "out[p.tensor][p.index] -= learning_rate * float(np.sum(g))",
      "out[p.tensor][p.index] -= learning_rate * float(np.mean(g))",
      "the symbolic gradient step averages dl_i/dphi instead of summing", ("gradient_descent",)),
    M("gd-linear-regression-gradient", "symbolic/training/gradient_descent.py",
      "2 * Sx * phi_0 + 2 * Sxx * phi_1 - 2 * Sxy", "Sx * phi_0 + Sxx * phi_1 - Sxy",
      "dL/dphi_1 of 1-D linear regression without its factor 2", ("gradient_descent",)),
    # ----- stochastic gradient descent -------------------------------------------------------
    M("sgd-batch-mean", "numeric/training.py",
      "value = nll(loss, model(xb), yb, sigma, **options)  # sum_{i in B_t} l_i",
      "value = nll(loss, model(xb), yb, sigma, **options) / (1 if idx is None else xb.shape[0])",
      "SGD steps on the batch mean while the notes say the gradient is summed over the batch "
      "(full-batch gradient descent unchanged)", ("sgd",)),
    M("momentum-no-damping-torch", "numeric/optimizers.py",
      'torch._foreach_add_(ms, grads, alpha=1.0 - group["beta"])', 'torch._foreach_add_(ms, grads, alpha=1.0)',
      "the trainer's momentum accumulates m = beta m + g (torch's rule), not the book's beta m + (1 - beta) g",
      ("sgd",)),
    M("momentum-rule-printed", "symbolic/training/updates.py",
      '"momentum": [(m1, _average(beta, m, g)), (phi1, _step(m1))]',
      '"momentum": [(m1, _add(_mul(beta, m), g)), (phi1, _step(m1))]',
      "the printed momentum rule m_{t+1} = beta m_t + g_t", ("sgd",)),
    M("adam-no-bias-correction", "symbolic/training/updates.py",
      "(mt, _corrected(m1, beta))", "(mt, m1)",
      "the printed Adam rule without the bias correction of m", ("sgd",)),
    M("adam-epsilon-inside-root", "symbolic/training/updates.py",
      "(phi1, _step(_mul(mt, sp.Pow(_add(sp.sqrt(vt), epsilon), -1, evaluate=False))))",
      "(phi1, _step(_mul(mt, sp.Pow(sp.sqrt(_add(vt, epsilon)), -1, evaluate=False))))",
      "Adam's epsilon moved inside the square root", ("sgd",)),
    # ----- backpropagation -------------------------------------------------------------------
    M("backprop-drops-second-path", "symbolic/core/autodiff.py",
      "backward.append((adjoint, sp.Add(*contributions.pop(s))))",
      "backward.append((adjoint, contributions.pop(s)[0]))",
      "reverse mode keeps only the first path into each intermediate (no sum over the chain rule's paths)",
      ("backprop",)),
    M("backprop-local-partial-sign", "symbolic/core/autodiff.py",
      "contributions.setdefault(t, []).append(d * seeds[s])", "contributions.setdefault(t, []).append(-d * seeds[s])",
      "reverse mode multiplies by minus the local partial derivative", ("backprop",)),
    M("numpy-relu-derivative-at-0-is-1", "symbolic/spec/activations.py",
      'numpy_code="numpy.heaviside({0}, 0.0)"', 'numpy_code="numpy.heaviside({0}, 1.0)"',
      "ReLU'(0) = 1 in the numpy code of the indicator", ("activations", "backprop", "gradient_descent")),
    M("spec-parameter-count", "symbolic/spec/network.py",
      "return sum(w_out * (w_in + 1) for w_in, w_out in zip(self.widths, self.widths[1:]))",
      "return sum(w_out * (w_in - 1) for w_in, w_out in zip(self.widths, self.widths[1:]))",
      "the spec's parameter count, which the tables and web pages print, drops the biases twice (a survivor of "
      "the cosmic-ray sample: only the twin's numel can see it)", ("counts_regions",)),
    # ----- initialisation --------------------------------------------------------------------
    M("init-factor-relu-half-lost", "symbolic/training/initialisation.py",
      'return width * sigma_Omega**2 * (sp.Rational(1, 2) if activation == "relu" else 1)',
      "return width * sigma_Omega**2",
      "one layer's factor forgets the ReLU's 1/2, so He's rules become 1/D_h and 1/D_{h'} (the rules' own check "
      "puts them into that same factor and passes: torch.nn.init's kaiming_normal_ and the twin's measured factors "
      "must see it)", ("initialisation",)),
    M("init-glorot-halved", "symbolic/training/initialisation.py",
      "return sp.Eq(sigma_Omega**2, 2 / (D_h + D_next))", "return sp.Eq(sigma_Omega**2, 1 / (D_h + D_next))",
      "Glorot's rule loses its 2: the rule put into its condition, and torch.nn.init.xavier_normal_'s draws, "
      "must see it", ("initialisation",)),
    M("init-printed-power", "derivations/topics/initialisation.py",
      'typed = rf"2^{{{int(log2)}}}" if log2.is_integer else None',
      'typed = rf"2^{{{int(log2) + 1}}}" if log2.is_integer else None',
      "the prose and the table print the factor over the layers one power of two off (2^{-49} for 2^{-50}): "
      "only the read-back of the printed power can see it", ("initialisation",)),
    # ----- self-attention --------------------------------------------------------------------
    M("attention-scale-dropped", "symbolic/networks/attention.py",
      "s_[m, n]: sp.Sum(k_[c, m] * q_[c, n], (c, 1, D_q)) / sp.sqrt(D_q),",
      "s_[m, n]: sp.Sum(k_[c, m] * q_[c, n], (c, 1, D_q)),",
      "the dot products lose their 1/sqrt(D_q) in the definition the program is instantiated from: the matrix "
      "form (built on its own) and torch's scaled_dot_product_attention and nn.MultiheadAttention must see it",
      ("attention",)),
    M("attention-jacobian-sign", "symbolic/networks/attention.py",
      "    return sp.diag(*p) - column * column.T\n",
      "    return sp.diag(*p) + column * column.T\n",
      "the softmax's Jacobian printed and checked as diag(p) + p p^T: its proof against the differentiated softmax "
      "and torch's autograd Jacobian must see it", ("attention",)),
    M("attention-count-no-biases", "symbolic/networks/attention.py",
      "    return 3 * D**2 + 3 * D\n",
      "    return 3 * D**2\n",
      "one head's parameter count forgets the three biases: the count of the head's own parameter symbols and "
      "nn.MultiheadAttention's numel must see it", ("attention",)),
    # ----- convolution -----------------------------------------------------------------------
    M("conv-kernel-gradient-flipped", "symbolic/networks/convolution.py",
      "out = {w: sum((layer.input_at(tap(i, k, layer.stride, layer.padding, layer.dilation)) * g",
      "out = {w: sum((layer.input_at(tap(i, layer.K + 1 - k, layer.stride, layer.padding, layer.dilation)) * g",
      "the kernel's gradient pairs omega_k with the input omega_{K+1-k} met (a flipped kernel, as if the layer were "
      "signal processing's convolution): only its proof against the reverse-mode program can see it (the torch "
      "comparison compiles that program)", ("convolution",)),
    M("conv-count-no-bias", "symbolic/networks/convolution.py",
      "    return C_o * (C_i * K + 1)\n",
      "    return C_o * C_i * K\n",
      "the convolutional layer's parameter count forgets the bias of each output channel: torch's numel of "
      "Conv1d must see it", ("convolution",)),
    M("conv-tap-dilation-lost", "symbolic/networks/convolution.py",
      "return stride * (i - 1) + dilation * (k - 1) + 1 - padding",
      "return stride * (i - 1) + (k - 1) + 1 - padding",
      "the input index a kernel weight meets forgets the dilation: the derived band, the positions counted and the "
      "gradient program all follow it, so torch's conv1d (and its output length) must see it", ("convolution",)),
    # ----- exercises -------------------------------------------------------------------------
    M("exercise-relu-not-applied", "derivations/exercises/kinds_networks.py",
      "        h.append(ReLU(pre))\n", "        h.append(pre)\n",
      "the worked solution forgets to clip inactive units", ("exercises_example",)),
    M("exercise-checker-precision", "derivations/exercises/checker.py",
      "return all(abs(v - n) <= tol + ROUNDING_RTOL * max(1.0, abs(n)) for v, n in zip(values, numbers))",
      "return all(abs(v - n) <= 1000 * tol + ROUNDING_RTOL * max(1.0, abs(n)) for v, n in zip(values, numbers))",
      "the checker accepts answers 1000 times the stated precision away", ("exercises_example",)),
    M("exercise-twin-bias", "derivations/exercises/twin.py",
      '"beta_1": [_f(row[0]) for row in phi],', '"beta_1": [0.0 for row in phi],',
      "the exercises' torch twin drops the output bias phi_0", ("exercises_example",)),
    M("exercise-key-flipped", "derivations/exercises/base.py",
      "    return steps[0].rhs\n", "    return -steps[0].rhs\n",
      "E08-style: the key written to answers.json is the negative of what the worked solution prints "
      "(the solution unchanged)", ("exercises_example",)),
    # ----- web pages -------------------------------------------------------------------------
    M("javascript-branches-swapped", "symbolic/core/javascript.py",
      'text = f"(({self._print(c)}) ? ({self._print(e)}) : ({text}))"',
      'text = f"(({self._print(c)}) ? ({text}) : ({self._print(e)}))"',
      "the JavaScript printer swaps a conditional's branches, so the web figures draw ReLU[z] as 0 for z > 0 and "
      "z below (every other check evaluates the SymPy objects, not the printed text)", ("activations",), html=True),
    # ----- printed LaTeX ---------------------------------------------------------------------
    M("latex-theta-indices-swapped", "symbolic/core/printing.py",
      "return f\"{base_tex}_{{{''.join(parts)}}}\"", "return f\"{base_tex}_{{{''.join(reversed(parts))}}}\"",
      "the LaTeX printer writes theta_{1,0} as \\theta_{01} (and phi_{j,d} as \\phi_{dj}): the derivation steps "
      "are checked on the SymPy objects, so only the read-back of the printed text sees it",
      ("shallow", "deep_networks")),
    M("latex-minus-printed-as-plus", "symbolic/core/printing.py",
      'tex += " - "', 'tex += " + "',
      "the LaTeX printer writes a - b as a + b: only the read-back of the printed text sees it",
      ("counts_regions",)),
)


# ----- the harness -------------------------------------------------------------------------


def check_anchors(root: Path = ROOT, mutations: Sequence[Mutation] = MUTATIONS) -> list[str]:
    """Problems with the mutations' anchors: each edit's text must occur exactly once."""
    problems, names = [], set()
    for m in mutations:
        if m.name in names:
            problems.append(f"{m.name}: duplicate name")
        names.add(m.name)
        path = root / m.file
        if not path.is_file():
            problems.append(f"{m.name}: file {m.file} not found")
            continue
        text = path.read_text()
        for old, new in m.edits:
            n = text.count(old)
            if n != 1:
                problems.append(f"{m.name}: {old!r} occurs {n} times in {m.file} (must be exactly once)")
            if old == new:
                problems.append(f"{m.name}: replacement equals the text")
    return problems


def _files(root: Path) -> list[Path]:
    """Files of the checkout to copy: git's tracked and untracked-unignored files when git
    knows the folder, else everything outside :data:`SKIP_DIRS`."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                             capture_output=True, check=True).stdout
        names = [n for n in out.decode().split("\0") if n]
        return [Path(n) for n in names if (root / n).is_file() and not set(Path(n).parts) & SKIP_DIRS]
    except (OSError, subprocess.CalledProcessError):
        return [p.relative_to(root) for p in root.rglob("*")
                if p.is_file() and not set(p.relative_to(root).parts) & SKIP_DIRS]


def copy_checkout(root: Path, dest: Path) -> None:
    """Copy the checkout's source files (no .git, caches or outputs) into ``dest``."""
    for rel in _files(root):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target)


def apply(m: Mutation, tree: Path) -> None:
    """Apply a mutation's edits in ``tree`` (a copy); ValueError when an anchor is not unique."""
    path = tree / m.file
    text = path.read_text()
    for old, new in m.edits:
        if text.count(old) != 1:
            raise ValueError(f"{m.name}: {old!r} occurs {text.count(old)} times in {m.file}")
        text = text.replace(old, new)
    path.write_text(text)


def run_notes(tree: Path, topics: Sequence[str], out: Path, timeout: float = 900, html: bool = False) -> dict:
    """``deepderive notes --no-pdf`` (``--html`` with ``html``) for ``topics`` on the code in
    ``tree``: the records (or None), the return code and the tail of stderr."""
    env = {**os.environ, "PYTHONPATH": str(tree), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "derivations", "notes", "--no-pdf", "--device", "cpu",
           "--topics", ",".join(topics), "--out", str(out)] + (["--html"] if html else [])
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
        rc, err = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired:
        rc, err = None, f"timed out after {timeout:g} s"
    seconds = time.perf_counter() - start
    path = out / "html" / "verification.json" if html else out / "verification.json"
    records = json.loads(path.read_text()) if path.is_file() and rc in (0, 1) else None
    return {"records": records, "rc": rc, "stderr": err[-2000:], "seconds": seconds}


def _failed(records: list[dict]) -> tuple[list[str], list[str]]:
    """(ids of failed checks, crashed topics with their error) of a notes run."""
    checks, crashed = [], []
    for r in records:
        if r.get("passed"):
            continue
        if r.get("kind") == "topic":
            crashed.append(f"{r.get('topic', r.get('id'))}: {r.get('detail', '')}"[:300])
        else:
            checks.append(str(r.get("id", r.get("name"))))
    return checks, crashed


def baseline(root: Path, topics: Sequence[str], html: bool = False) -> set[str]:
    """Ids of the records that fail on the unmutated checkout (normally none)."""
    with tempfile.TemporaryDirectory(prefix="mutation-baseline-") as tmp:
        tree = Path(tmp) / "tree"
        copy_checkout(root, tree)
        result = run_notes(tree, topics, Path(tmp) / "notes", html=html)
    if result["records"] is None:
        raise RuntimeError(f"the unmutated notes did not run (exit {result['rc']}): {result['stderr']}")
    checks, crashed = _failed(result["records"])
    if crashed:
        raise RuntimeError(f"the unmutated notes crash: {'; '.join(crashed)}")
    return set(checks)


def run_mutation(m: Mutation, root: Path = ROOT, known_failures: set[str] | frozenset = frozenset()) -> dict:
    """Apply ``m`` to a copy of ``root``, run its topics, and say whether a named check caught it."""
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        tree = Path(tmp) / "tree"
        copy_checkout(root, tree)
        apply(m, tree)
        result = run_notes(tree, m.topics, Path(tmp) / "notes", html=m.html)
    row = {"name": m.name, "file": m.file, "caught": False, "failed_checks": [], "topics": list(m.topics),
           "breaks": m.breaks, "seconds": round(result["seconds"], 1)}
    if result["records"] is None:
        row["error"] = f"notes exited {result['rc']} without verification.json: " + result["stderr"].strip()[-400:]
        return row
    checks, crashed = _failed(result["records"])
    row["failed_checks"] = [c for c in checks if c not in known_failures]
    row["caught"] = bool(row["failed_checks"])
    if crashed:
        row["crashed_topics"] = crashed
    return row


def markdown(rows: list[dict], meta: dict) -> str:
    caught = sum(r["caught"] for r in rows)
    lines = [f"# Mutations of the mathematics caught by the notes' checks ({meta['date']})", "",
             f"{caught} of {len(rows)} caught by a named failing check of `verification.json` "
             f"({100 * caught / max(1, len(rows)):.0f}%); a crash does not count. "
             f"Harness wall time {meta['seconds']:.0f} s with {meta['jobs']} job(s) on {meta['cpus']} CPUs "
             f"(`python benchmarks/mutations.py --out benchmarks/results`).", "",
             "| mutation | file | breaks | caught | by checks |", "|---|---|---|---|---|"]
    for r in rows:
        ids = r["failed_checks"]
        shown = ", ".join(f"`{i}`" for i in ids[:6]) + (f" (+{len(ids) - 6} more)" if len(ids) > 6 else "")
        note = r.get("error", "") or ("crashed: " + "; ".join(r.get("crashed_topics", [])).replace("|", "/"))
        lines.append(f"| `{r['name']}` | `{r['file']}` | {r['breaks']} | {'yes' if r['caught'] else '**no**'} | "
                     f"{shown or note} |")
    return "\n".join(lines) + "\n"


def select(only: str | None) -> list[Mutation]:
    if not only:
        return list(MUTATIONS)
    by_name = {m.name: m for m in MUTATIONS}
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], by_name, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown mutation {unknown[0]!r}{hint}; --list prints the names")
    return [by_name[n] for n in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the mutation names, one per line")
    parser.add_argument("--only", help="comma-separated mutation names to run")
    parser.add_argument("--out", help="write DIR/mutations.json and DIR/mutations.md")
    parser.add_argument("--jobs", type=int, default=1, help="mutations run in parallel")
    parser.add_argument("--check-anchors", action="store_true", help="only check that every anchor occurs once")
    parser.add_argument("--root", default=str(ROOT), help="the checkout to mutate (a copy of it)")
    args = parser.parse_args(argv)
    root = Path(args.root)
    if args.list:
        print("\n".join(m.name for m in MUTATIONS))
        return 0
    try:
        chosen = select(args.only)
        if args.jobs < 1:
            raise ValueError(f"--jobs must be at least 1, got {args.jobs}")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problems = check_anchors(root, chosen)
    if args.check_anchors or problems:
        for p in problems:
            print(f"error: anchor: {p}", file=sys.stderr)
        if not problems:
            print(f"{len(chosen)} mutations, every anchor occurs exactly once")
        return 1 if problems else 0
    start = time.perf_counter()
    topics = [t for t in _topic_order() if any(t in m.topics for m in chosen)]
    known = baseline(root, topics, html=any(m.html for m in chosen))
    if known:
        print(f"warning: {len(known)} records fail without any mutation (ignored): {', '.join(sorted(known))}",
              file=sys.stderr)

    def one(m: Mutation) -> dict:
        row = run_mutation(m, root, known)
        print(f"{m.name}: {'caught' if row['caught'] else 'NOT caught'} ({row['seconds']:.0f} s) "
              f"{', '.join(row['failed_checks'][:4])}{row.get('error', '')[:200]}", flush=True)
        return row

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        rows = list(pool.map(one, chosen))
    seconds = time.perf_counter() - start
    caught = sum(r["caught"] for r in rows)
    print(f"{caught} of {len(rows)} mutations caught ({seconds:.0f} s)")
    if args.out:
        meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "seconds": seconds, "jobs": args.jobs,
                "cpus": os.cpu_count()}
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "mutations.json").write_text(json.dumps(rows, indent=1) + "\n")
        (out / "mutations.md").write_text(markdown(rows, meta))
    return 0 if caught == len(rows) else 1


def _topic_order() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from derivations.lecture import TOPICS

    return list(TOPICS)


if __name__ == "__main__":
    sys.exit(main())
