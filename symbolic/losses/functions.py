r"""Functions whose printed code keeps a loss accurate in float64 at the edges of its parameters.

A stable per-sample loss (:mod:`symbolic.losses.book`) is an exact rewriting of
``-log Pr(y | link[f])``; which rewriting is chosen decides whether float64 returns the loss
or ``inf``/``nan`` when a log-scale, log-concentration or ``log sigma`` reaches +-700. Each
class here is one such rewriting: a SymPy function with its stock definition (used by the
step checks and for high-precision evaluation), its exact derivative, its LaTeX (the
definition, as the notes print it) and the numpy/torch code that evaluates it without
overflow or cancellation. Where the code has two branches, each branch only ever sees
arguments in its own range, so autograd through the printed torch code stays finite.

- :class:`Square` ``(z)^2`` of a residual scaled by a symbolic factor (``(y - f)/sigma``,
  ``(y - mu) e^{-s/2}``): SymPy would square the factors one by one (``sigma**2`` overflows
  beyond sigma ~ 1.3e154);
- :class:`ExpScaled` ``u e^t`` as ``(u e^{t/2}) e^{t/2}`` (a zero residual times ``e^{800}`` is 0,
  not ``nan``);
- :class:`Log1p` ``log(1 + x)`` (``log1p``);
- :class:`Log1pSquare` ``log(1 + (u e^s)^2)``, in the log domain where ``u e^s`` overflows;
- :class:`LogGammaStirling` ``log Gamma(x) - (x - 1/2) log x + x``, which tends to
  ``log(2 pi)/2``: the part of ``log Gamma`` that does not cancel against the other terms of
  a loss when ``x`` is large (Stirling's series beyond x = 20), and its derivative
  :class:`LogGammaStirlingPrime` (``psi(x) - log x`` cancels to ``-1/(2x)`` there);
- :class:`ExpPhi` ``e^a (e^t - 1 - t)`` (a power series near t = 0, where the terms cancel);
- :class:`LogScaledBesselI0` ``log(e^{-kappa} I_0(kappa))`` (``log i0e``): ``log I_0(kappa) - kappa``
  without the two terms of size kappa.

>>> z = sp.Symbol("z", real=True)
>>> sigma = sp.Symbol("sigma", positive=True)
>>> print(sp.latex(Square(z / sigma)))
\left(\frac{z}{\sigma}\right)^{2}
>>> Square(z / 2)  # a numeric scale: the ordinary power
z**2/4
"""

from __future__ import annotations

import math

import sympy as sp

from symbolic.activations.functions import StockDefined

__all__ = ["Square", "ExpScaled", "Log1p", "Log1pSquare", "LogGammaStirling", "LogGammaStirlingPrime", "ExpPhi",
           "BesselRatio", "LogBesselI0",
           "LogScaledBesselI0"]

#: ``log(2 pi)/2``, the limit of :class:`LogGammaStirling` (17 digits).
_HALF_LOG_2PI = repr(0.5 * math.log(2 * math.pi))
#: Stirling's series of ``log Gamma(x) - (x - 1/2) log x + x - log(2 pi)/2`` in ``r = 1/x``:
#: ``B_{2k} / (2k (2k - 1)) r^{2k-1}``, k = 1..6 (the next term is below 1e-17 for x >= 20).
_STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360]
_STIRLING_FROM = 20.0
#: ``e^t - 1 - t = sum_{k >= 2} t^k / k!``; for |t| <= 1 the terms up to k = 20 leave < 1e-19.
_PHI = [1 / math.factorial(k) for k in range(2, 21)]
#: ``Log1pSquare`` switches to the log domain once ``log|u e^s|`` exceeds this.
_LOG_DOMAIN_FROM = 300.0


def _horner(coefficients: list[float], x: str) -> str:
    """``c_0 + x (c_1 + x (c_2 + ...))`` as code."""
    text = repr(coefficients[-1])
    for c in reversed(coefficients[:-1]):
        text = f"({c!r} + {x}*{text})"
    return text


def _wrap(tex: str, exp) -> str:
    return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


class Square(StockDefined, sp.Function):
    r"""``Square(z) = z^2`` of a scaled residual such as ``(y - f)/sigma``, printed as the square
    of ``z`` computed first: ``(r/sigma)^2`` is finite for every sigma where the loss is, while
    SymPy's ``r^2/sigma^2`` squares sigma alone. Without a symbolic scale in ``z`` (a reciprocal
    or an exponential factor; a number for sigma) it is the ordinary power.

    >>> r, s = sp.Symbol("r", real=True), sp.Symbol("sigma", positive=True)
    >>> print(sp.diff(Square(r / s), r))
    2*r/sigma**2
    >>> print(Square(r))
    r**2
    """

    @classmethod
    def eval(cls, z):
        # a scale is a symbolic reciprocal (1/sigma) or exponential (e^{-s/2}); the test is by
        # structure, not assumptions, so that it holds for the compiler's renamed symbols too
        scaled = z.is_Mul and any(not a.is_number and (isinstance(a, sp.exp) or (a.is_Pow and a.exp.is_negative))
                                  for a in z.args)
        if not scaled:  # (2y - 2f)^2 reads 4 (y - f)^2
            return sp.factor_terms(z) ** 2
        return None

    @classmethod
    def definition(cls, z):
        return z**2

    def fdiff(self, argindex=1):
        return 2 * self.args[0]

    def _eval_is_real(self):
        return self.args[0].is_real or None

    def _eval_is_nonnegative(self):
        return self.args[0].is_real or None

    def _latex(self, printer, exp=None):
        return _wrap(rf"\left({printer._print(self.args[0])}\right)^{{2}}", exp)

    def _torchcode(self, printer):
        return f"torch.square({printer._print(self.args[0])})"

    def _numpycode(self, printer):
        return f"numpy.square({printer._print(self.args[0])})"


class ExpScaled(StockDefined, sp.Function):
    r"""``ExpScaled(u, t) = u e^t``, printed as ``(u e^{t/2}) e^{t/2}``: ``u = 0`` gives 0 and a
    small ``u`` a finite product for |t| up to ~1400, where ``e^t`` alone is ``inf`` beyond 709.8.

    >>> u, t = sp.Symbol("u", real=True), sp.Symbol("t", real=True)
    >>> print(sp.latex(ExpScaled(u, t)), sp.diff(ExpScaled(u, t), t))
    u e^{t} ExpScaled(u, t)
    """

    @classmethod
    def definition(cls, u, t):
        return u * sp.exp(t)

    def fdiff(self, argindex=1):
        return sp.exp(self.args[1]) if argindex == 1 else self

    def _eval_is_real(self):
        return True if all(a.is_real for a in self.args) else None

    def _eval_is_nonnegative(self):
        return self.args[0].is_nonnegative if self.args[1].is_real else None

    def _latex(self, printer, exp=None):
        u, t = self.args
        return _wrap(printer._print(sp.Mul(u, sp.exp(t), evaluate=False)), exp)

    def _code(self, m: str, u: str, t: str) -> str:
        return f"(lambda _u, _t: (_u*{m}.exp(0.5*_t))*{m}.exp(0.5*_t))({u}, {t})"

    def _torchcode(self, printer):
        return self._code("torch", *(printer._print(a) for a in self.args))

    def _numpycode(self, printer):
        return self._code("numpy", *(printer._print(a) for a in self.args))


class Log1p(StockDefined, sp.Function):
    r"""``Log1p(x) = log(1 + x)``, printed to ``log1p`` (exact for tiny x, where ``1 + x`` rounds).

    >>> x = sp.Symbol("x", positive=True)
    >>> print(sp.latex(Log1p(x)), sp.diff(Log1p(x), x))
    \log\left(x + 1\right) 1/(x + 1)
    """

    @classmethod
    def definition(cls, x):
        return sp.log(1 + x)

    def fdiff(self, argindex=1):
        return 1 / (1 + self.args[0])

    def _eval_is_real(self):
        return True if (self.args[0] + 1).is_positive else None

    def _latex(self, printer, exp=None):
        return _wrap(rf"\log\left({printer._print(1 + self.args[0])}\right)", exp)

    def _torchcode(self, printer):
        return f"torch.log1p({printer._print(self.args[0])})"

    def _numpycode(self, printer):
        return f"numpy.log1p({printer._print(self.args[0])})"


class Log1pSquare(StockDefined, sp.Function):
    r"""``Log1pSquare(u, s) = log(1 + (u e^s)^2)``: ``log1p`` of the square while ``|u e^s| < e^300``,
    beyond that ``2 log|u e^s| + log1p(e^{-2 log|u e^s|})`` (the square would overflow).
    ``e^s`` is applied as two factors ``e^{s/2}``, so ``u = 0`` gives 0 for |s| up to ~1400.

    >>> u, s = sp.Symbol("u", real=True), sp.Symbol("s", real=True)
    >>> print(sp.latex(Log1pSquare(u, s)))
    \log\left(1 + \left(u e^{s}\right)^{2}\right)
    >>> print(sp.diff(Log1pSquare(u, s), u))
    2*u*exp(2*s - Log1pSquare(u, s))
    """

    @classmethod
    def definition(cls, u, s):
        return sp.log(1 + (u * sp.exp(s)) ** 2)

    def fdiff(self, argindex=1):
        u, s = self.args
        if argindex == 1:
            return 2 * u * sp.exp(2 * s - self)
        # 2 - 2 e^{-L} = 2 (u e^s)^2 / (1 + (u e^s)^2), as the square of u e^{s - L/2} (at most 1):
        # 1 - e^{-L} rounds to 0 where L < 1e-16, and that term is multiplied by nu in student-t
        return 2 * ExpScaled(u, s - self / 2) ** 2

    def _eval_is_real(self):
        return True if all(a.is_real for a in self.args) else None

    def _eval_is_nonnegative(self):
        return self._eval_is_real()

    def _latex(self, printer, exp=None):
        u, s = self.args
        return _wrap(rf"\log\left(1 + \left({printer._print(sp.Mul(u, sp.exp(s)))}\right)^{{2}}\right)", exp)

    def _code(self, printer, m: str) -> str:
        # L = log|u| + s (-inf at u = 0, with no log(0) evaluated); big: L > 300.
        u, s = (printer._print(a) for a in self.args)
        w = f"{m}.where"
        log_abs = f"{w}(_u != 0, {m}.log({m}.abs({w}(_u != 0, _u, 1.0))), -{m}.inf)"
        small_u, small_s = f"{w}(_big, 0.0, _u)", f"{w}(_big, 0.0, _s)"
        v = f"({small_u}*{m}.exp(0.5*{small_s}))*{m}.exp(0.5*{small_s})"
        L = f"({m}.log({m}.abs({w}(_big, _u, 1.0))) + {w}(_big, _s, 0.0))"
        big_value = f"(2.0*{L} + {m}.log1p({m}.exp(-2.0*{L})))"
        body = f"{w}(_big, {big_value}, {m}.log1p({m}.square({v})))"
        return (f"(lambda _u, _s: (lambda _big: {body})({log_abs} + _s > {_LOG_DOMAIN_FROM!r}))"
                f"({u}, {s})")

    def _torchcode(self, printer):
        return self._code(printer, "torch")

    def _numpycode(self, printer):
        return self._code(printer, "numpy")


class LogGammaStirling(StockDefined, sp.Function):
    r"""``LogGammaStirling(x) = log Gamma(x) - (x - 1/2) log x + x`` for x > 0, which tends to
    ``log(2 pi)/2``; beyond x = 20 it is Stirling's series, below it the definition.

    >>> x = sp.Symbol("x", positive=True)
    >>> print(sp.latex(LogGammaStirling(x)))
    \left[\log \Gamma\left(x\right) - \left(x - \frac{1}{2}\right) \log{\left(x \right)} + x\right]
    >>> remainder = (LogGammaStirling(sp.Float(10**6, 50)) - sp.log(2 * sp.pi) / 2).evalf(40)
    >>> print(sp.Float(remainder, 8))  # 1/(12 x)
    8.3333333e-8
    """

    @classmethod
    def definition(cls, x):
        return sp.loggamma(x) - (x - sp.S.Half) * sp.log(x) + x

    def fdiff(self, argindex=1):
        return LogGammaStirlingPrime(self.args[0])

    def _eval_is_real(self):
        return self.args[0].is_positive or None

    def _latex(self, printer, exp=None):
        x = printer._print(self.args[0])
        half = printer._print(sp.Add(self.args[0], -sp.S.Half))
        return _wrap(rf"\left[\log \Gamma\left({x}\right) - \left({half}\right) \log{{\left({x} \right)}} + {x}\right]",
                     exp)

    def _code(self, m: str, lgamma: str, x: str) -> str:
        near = (f"numpy.minimum(_x, {_STIRLING_FROM!r})" if m == "numpy" else f"torch.clamp(_x, max={_STIRLING_FROM!r})")
        far = "(1.0/" + (f"numpy.maximum(_x, {_STIRLING_FROM!r})" if m == "numpy" else f"torch.clamp(_x, min={_STIRLING_FROM!r})") + ")"
        series = f"({_HALF_LOG_2PI} + {far}*{_horner(_STIRLING, f'{far}*{far}')})"
        direct = f"({lgamma}({near}) - ({near} - 0.5)*{m}.log({near}) + {near})"
        return f"(lambda _x: {m}.where(_x < {_STIRLING_FROM!r}, {direct}, {series}))({x})"

    def _torchcode(self, printer):
        return self._code("torch", "torch.lgamma", printer._print(self.args[0]))

    def _numpycode(self, printer):
        return self._code("numpy", "scipy.special.gammaln", printer._print(self.args[0]))


class LogGammaStirlingPrime(StockDefined, sp.Function):
    r"""``LogGammaStirlingPrime(x) = psi(x) - log x + 1/(2x)``, the derivative of
    :class:`LogGammaStirling` (about ``-1/(12 x^2)``): beyond x = 20 the derivative of Stirling's
    series, below it the definition. In floats ``psi(x) - log x`` rounds to 0 at large x and
    leaves ``1/(2x)``: a loss that multiplies it by ``x = e^f`` (student-t's degrees of freedom)
    got 1/2 instead of about 0.

    >>> x = sp.Symbol("x", positive=True)
    >>> print(sp.latex(LogGammaStirlingPrime(x)))
    \left[\psi\left(x\right) - \log{\left(x \right)} + \frac{1}{2 x}\right]
    >>> print(sp.Float(LogGammaStirlingPrime(sp.Float(10**6, 50)) * 10**12, 8))  # -1/(12 x^2)
    -0.083333333
    """

    @classmethod
    def definition(cls, x):
        return sp.polygamma(0, x) - sp.log(x) + 1 / (2 * x)

    def fdiff(self, argindex=1):
        x = self.args[0]
        return sp.polygamma(1, x) - 1 / x - 1 / (2 * x**2)

    def _eval_is_real(self):
        return self.args[0].is_positive or None

    def _latex(self, printer, exp=None):
        x = printer._print(self.args[0])
        return _wrap(rf"\left[\psi\left({x}\right) - \log{{\left({x} \right)}} + \frac{{1}}{{2 {x}}}\right]", exp)

    def _code(self, m: str, digamma: str, x: str) -> str:
        near = (f"numpy.minimum(_x, {_STIRLING_FROM!r})" if m == "numpy" else f"torch.clamp(_x, max={_STIRLING_FROM!r})")
        far = "(1.0/" + (f"numpy.maximum(_x, {_STIRLING_FROM!r})" if m == "numpy" else f"torch.clamp(_x, min={_STIRLING_FROM!r})") + ")"
        # d/dx sum_k c_k x^{1-2k} = -x^{-2} sum_k (2k - 1) c_k x^{2-2k}
        series = f"(-{far}*{far}*{_horner([(2 * k + 1) * c for k, c in enumerate(_STIRLING)], f'{far}*{far}')})"
        direct = f"({digamma}({near}) - {m}.log({near}) + 0.5/{near})"
        return f"(lambda _x: {m}.where(_x < {_STIRLING_FROM!r}, {direct}, {series}))({x})"

    def _torchcode(self, printer):
        return self._code("torch", "torch.special.digamma", printer._print(self.args[0]))

    def _numpycode(self, printer):
        return self._code("numpy", "scipy.special.psi", printer._print(self.args[0]))


class ExpPhi(StockDefined, sp.Function):
    r"""``ExpPhi(a, t) = e^a (e^t - 1 - t)`` (>= 0): for |t| < 1 ``e^a`` times the power series
    ``t^2/2! + t^3/3! + ...`` (the three terms cancel there), else ``e^{a + t} - e^a (1 + t)``
    (finite as long as ``e^{a + t}`` is).

    >>> a, t = sp.Symbol("a", real=True), sp.Symbol("t", real=True)
    >>> print(sp.latex(ExpPhi(a, t)))
    e^{a} \left(e^{t} - 1 - t\right)
    """

    @classmethod
    def definition(cls, a, t):
        return sp.exp(a) * (sp.exp(t) - 1 - t)

    def fdiff(self, argindex=1):
        a, t = self.args
        return self if argindex == 1 else sp.exp(a + t) - sp.exp(a)

    def _eval_derivative(self, x):
        # The chain rule with the partials regrouped: e^a (e^t - 1 - t) da + (e^{a+t} - e^a) dt
        # = -t e^a da + (e^{a+t} - e^a) d(a + t). Where a + t does not depend on x (gamma's
        # log-concentration: a = f_1, t = f_2 + log y - f_1) only -t e^a is left, instead of two
        # terms of size e^{a+t} that cancel.
        a, t = self.args
        da, dt = sp.diff(a, x), sp.diff(t, x)
        return -t * sp.exp(a) * da + (sp.exp(a + t) - sp.exp(a)) * sp.expand(da + dt)

    def _eval_is_real(self):
        return True if all(x.is_real for x in self.args) else None

    def _latex(self, printer, exp=None):
        a, t = self.args
        t_tex = printer._print(t)
        if t.is_Add:
            t_tex = rf"\left({t_tex}\right)"
        elif t_tex.startswith("-"):
            t_tex = rf"\left({t_tex}\right)"
        return _wrap(rf"{printer._print(sp.exp(a))} \left({printer._print(sp.exp(t))} - 1 - {t_tex}\right)", exp)

    def _code(self, m: str, a: str, t: str) -> str:
        near = f"{m}.clip(_t, -1.0, 1.0)" if m == "numpy" else "torch.clamp(_t, -1.0, 1.0)"
        series = f"{m}.exp(_a)*({near}*{near})*{_horner(_PHI, near)}"
        direct = f"({m}.exp(_a + _t) - {m}.exp(_a)*(1.0 + _t))"
        return f"(lambda _a, _t: {m}.where({m}.abs(_t) < 1.0, {series}, {direct}))({a}, {t})"

    def _torchcode(self, printer):
        return self._code("torch", *(printer._print(x) for x in self.args))

    def _numpycode(self, printer):
        return self._code("numpy", *(printer._print(x) for x in self.args))


class BesselRatio(StockDefined, sp.Function):
    r"""``I_1(kappa) / I_0(kappa)``, the derivative of :class:`LogBesselI0`, printed through the
    exponentially scaled ``i1e / i0e`` (finite for every kappa).

    >>> k = sp.Symbol("kappa", positive=True)
    >>> print(sp.latex(BesselRatio(k)))
    \frac{I_{1}\left(\kappa\right)}{I_{0}\left(\kappa\right)}
    """

    @classmethod
    def definition(cls, k):
        return sp.besseli(1, k) / sp.besseli(0, k)

    def fdiff(self, argindex=1):
        k = self.args[0]
        return 1 - self / k - self**2

    def _latex(self, printer, exp=None):
        a = printer._print(self.args[0])
        tex = rf"\frac{{I_{{1}}\left({a}\right)}}{{I_{{0}}\left({a}\right)}}"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _torchcode(self, printer):
        a = printer._print(self.args[0])
        return f"(torch.special.i1e({a}) / torch.special.i0e({a}))"

    def _numpycode(self, printer):
        a = printer._print(self.args[0])
        return f"(scipy.special.i1e({a}) / scipy.special.i0e({a}))"


class LogBesselI0(StockDefined, sp.Function):
    r"""``log I_0(kappa)`` of the von Mises normaliser, printed as ``log(i0e(kappa)) + |kappa|``
    (``I_0`` itself overflows beyond kappa ~ 700).

    >>> k = sp.Symbol("kappa", positive=True)
    >>> print(sp.latex(LogBesselI0(k)))
    \log I_{0}\left(\kappa\right)
    >>> print(sp.diff(LogBesselI0(k), k))
    BesselRatio(kappa)
    """

    @classmethod
    def definition(cls, k):
        return sp.log(sp.besseli(0, k))

    def fdiff(self, argindex=1):
        return BesselRatio(self.args[0])

    def _eval_is_real(self):
        return self.args[0].is_real or None

    def _latex(self, printer, exp=None):
        tex = rf"\log I_{{0}}\left({printer._print(self.args[0])}\right)"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _torchcode(self, printer):
        a = printer._print(self.args[0])
        return f"(torch.log(torch.special.i0e({a})) + torch.abs({a}))"

    def _numpycode(self, printer):
        a = printer._print(self.args[0])
        return f"(numpy.log(scipy.special.i0e({a})) + numpy.abs({a}))"


class LogScaledBesselI0(StockDefined, sp.Function):
    r"""``LogScaledBesselI0(kappa) = log(e^{-kappa} I_0(kappa)) = log I_0(kappa) - kappa`` (kappa >= 0),
    printed as ``log(i0e(kappa))``: the von Mises normaliser without the two terms of size kappa.

    >>> k = sp.Symbol("kappa", positive=True)
    >>> print(sp.latex(LogScaledBesselI0(k)))
    \log\left(e^{- \kappa} I_{0}\left(\kappa\right)\right)
    >>> print(sp.diff(LogScaledBesselI0(k), k))
    BesselRatio(kappa) - 1
    """

    @classmethod
    def definition(cls, k):
        return sp.log(sp.besseli(0, k)) - k

    def fdiff(self, argindex=1):
        return BesselRatio(self.args[0]) - 1

    def _eval_is_real(self):
        return self.args[0].is_real or None

    def _latex(self, printer, exp=None):
        k = self.args[0]
        return _wrap(rf"\log\left({printer._print(sp.exp(-k))} I_{{0}}\left({printer._print(k)}\right)\right)", exp)

    def _torchcode(self, printer):
        return f"torch.log(torch.special.i0e({printer._print(self.args[0])}))"

    def _numpycode(self, printer):
        return f"numpy.log(scipy.special.i0e({printer._print(self.args[0])}))"
