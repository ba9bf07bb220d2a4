r"""Printers: LaTeX in the lecture's notation, and numpy / torch code for compilation.

Symbol names follow DESIGN.md (``theta_{1,0}``, ``beta_{0,1}``, ``omega_{0,1,1}``); the
LaTeX printer drops the commas for the shallow network's theta/phi as the lecture writes
them (``\theta_{10}``) whenever every index is a single digit.

The package's activation classes print themselves through SymPy's hooks (``_latex``,
``_numpycode``, ``_torchcode``; SymPy's stock torch printer would turn ``Max(0, x)`` into a
failing call); the code printers fold numeric constants such as ``log(2*pi)`` to floats.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.numpy import SciPyPrinter

from symbolic.core.autodiff import Adjoint
from symbolic.core.book_forms import log_factorial_argument, normal_book_form, normal_parts, residual_terms
from symbolic.core.extrema import binary_extrema

__all__ = ["latex", "latex_lines", "display_width", "NumpyCodePrinter", "torch_code_printer", "fold_constants",
           "identifier", "upright"]

_INDEXED = re.compile(r"^([A-Za-z]+)('?)_\{([^{}]*)\}$")
_COMMA_FREE = {"theta", "phi", "psi"}
_BARE_LETTER_BEFORE_NAME = re.compile(r"(?<![\\A-Za-z{_^])([A-Za-z]) \\mathrm\{")
_PARAMETER_BASES = {"theta", "phi", "psi", "beta", "omega"}


class LectureLatexPrinter(LatexPrinter):
    r"""LaTeX printer with the lecture's symbol style.

    Two settings of its own: ``inline=True`` prints the book's light form for math in a line of
    text (a step's reason): ``\log \mathrm{sig}[f]``, ``e^{- f_{2} / 2}``, ``\sum_{i} (y_{i} -
    f_{i})^{2}`` (a sum from 1 to a symbol ``I`` shows its index only); ``ordinary=True`` prints
    the derivative of a named quantity as the ordinary ``\frac{dy}{dx}``, not the partial
    ``\frac{\partial y}{\partial x}``. :mod:`symbolic.core.latex_reader` reads both."""

    _default_settings = {**LatexPrinter._default_settings, "inline": False, "ordinary": False}

    def _print_Symbol(self, expr, style="plain"):
        if expr in self._settings.get("symbol_names", {}):
            return self._settings["symbol_names"][expr]
        match = _INDEXED.match(expr.name)
        if match:
            base, prime, index = match.groups()
            parts = [p.strip() for p in index.split(",")]
            base_tex = (self._deal_with_super_sub(base) if base not in _GREEK else "\\" + base) + prime
            if base in _COMMA_FREE and not getattr(self, "commas", False) and all(len(p) == 1 for p in parts):
                return f"{base_tex}_{{{''.join(parts)}}}"
            return f"{base_tex}_{{{','.join(parts)}}}"
        return super()._print_Symbol(expr, style=style)

    # The lecture writes weights before activations (phi_1 h_1) and biases first
    # (phi_0 + phi_1 h_1 + ...): order factors and terms that way.
    def _print_Mul(self, expr):
        parts = normal_parts(expr) if isinstance(expr, sp.Mul) else None
        if parts is not None:
            return self._print_normal(normal_book_form(*parts))
        # A one-letter factor before a named function reads as one word ("ysoftplus"):
        # a thin space between them, y\, softplus[f].
        return _BARE_LETTER_BEFORE_NAME.sub(r"\1\\, \\mathrm{", self._print_product(expr))

    def _print_product(self, expr):
        if not isinstance(expr, sp.Mul):  # LatexPrinter routes x**-1 here too
            return super()._print_Mul(expr)
        if any(isinstance(a, Adjoint) for a in expr.args):
            # The chain rule's factors, then the adjoint (h_k dl/df_k): SymPy's layout, in this order.
            return self._print_in_order(sorted(expr.args, key=_factor_rank))
        coeff, rest = expr.as_coeff_Mul()
        if (coeff.is_Rational and not coeff.is_Integer and rest != 1 and not rest.is_Number
                and sp.fraction(rest)[1] == 1):
            # 7/10 h_2 rather than 7 h_2 / 10: the lecture's coefficient-first style.
            sign = "- " if coeff < 0 else ""
            frac = rf"\frac{{{abs(coeff.p)}}}{{{coeff.q}}}"
            inner = self._print(rest)
            if isinstance(rest, sp.Add):
                inner = rf"\left({inner}\right)"
            if self._settings.get("fold_short_frac") and self._settings.get("inline"):  # e^{- f_{2} / 2}
                return f"{sign}{'' if abs(coeff.p) == 1 else f'{abs(coeff.p)} '}{inner} / {coeff.q}"
            return f"{sign}{frac} {inner}"
        factors = sorted(expr.args, key=_factor_rank)
        if list(factors) == list(expr.args) or any(
                (f.is_Pow and f.exp.is_negative) or (f.is_Rational and not f.is_Integer) for f in factors):
            return super()._print_Mul(expr)  # already in order, or a fraction: SymPy's layout
        # Weights before units (omega h, phi h): print the reordered product ourselves, so that
        # the factors themselves keep their usual printing.
        sign, number = "", None
        if factors[0].is_Number:
            number = factors.pop(0)
            if number == -1:
                sign, number = "- ", None
            elif number < 0:
                sign, number = "- ", -number
        parts = [] if number is None else [self._print(number)]
        for f in factors:
            tex = self._print(f)
            parts.append(rf"\left({tex}\right)" if f.is_Add else tex)
        return sign + " ".join(parts)

    def _print_in_order(self, factors: list) -> str:
        """SymPy's product layout with the factors in the given order."""
        old = self._settings.get("order")
        self._settings["order"] = "none"
        try:
            return LatexPrinter._print_Mul(self, sp.Mul(*factors, evaluate=False))
        finally:
            self._settings["order"] = old

    # The book's forms (symbolic.core.book_forms): the normal density and log y!.
    def _print_normal(self, book: sp.Expr) -> str:
        r"""The unevaluated ``1/sqrt(2 pi V) exp[-r^2 / (2 V)]`` as the book prints it:
        ``\frac{1}{\sqrt{2 \pi V}} \exp\left[- \frac{r^{2}}{2 V}\right]``."""
        normaliser, density = book.args  # 1/sqrt(2 pi V), exp(-r^2 / (2 V))
        root, exponent = self._print(normaliser.base.base), self._print(density.args[0])
        return rf"\frac{{1}}{{\sqrt{{{root}}}}} \exp\left[{exponent}\right]"

    def _print_Function(self, expr, exp=None):
        count = log_factorial_argument(expr) if exp is None and isinstance(expr, sp.loggamma) else None
        if count is None:
            return super()._print_Function(expr, exp)
        return self._print(sp.log(sp.factorial(count), evaluate=False))  # loggamma(y + 1): the book's log y!

    def _print_Derivative(self, expr):
        r"""The book's ``\frac{\partial L}{\partial \phi_{0}}`` for a first derivative of a named
        quantity (a bare symbol; ``\frac{dy}{dx}`` with the setting ``ordinary``); SymPy's form otherwise."""
        if isinstance(expr.expr, sp.Symbol) and len(expr.variable_count) == 1 and expr.variable_count[0][1] == 1:
            of, by = self._print(expr.expr), self._print(expr.variables[0])
            if self._settings.get("ordinary"):
                return rf"\frac{{d{of}}}{{d{by}}}"
            return rf"\frac{{\partial {of}}}{{\partial {by}}}"
        return super()._print_Derivative(expr)

    def _print_log(self, expr, exp=None):
        r"""``\log y!`` for the log factorial of a count, else SymPy's ``\log{\left(x \right)}``;
        inline, ``\log \mathrm{sig}[f]`` for a name, an element or a call, and ``\log(2 \pi)``."""
        count = log_factorial_argument(expr) if exp is None else None
        if count is not None:
            return rf"\log {self._print(count)}!"
        if not self._settings.get("inline") or exp is not None:
            return super()._print_log(expr, exp)
        argument = expr.args[0]
        if isinstance(argument, (sp.Symbol, sp.Indexed)) or (
                isinstance(argument, sp.Function) and "_latex" in vars(type(argument)).keys() | _latex_hooks(argument)):
            return rf"\log {self._print(argument)}"
        tex = self._print(argument)
        return rf"\log {tex}" if _one_fraction(tex) else rf"\log({tex})"

    def _print_ExpBase(self, expr, exp=None):
        r"""``e^{..}``; inline, a fraction in the exponent on one line (``e^{- f_{2} / 2}``)."""
        if not self._settings.get("inline"):
            return super()._print_ExpBase(expr, exp)
        old = self._settings["fold_short_frac"]
        self._settings["fold_short_frac"] = True
        try:
            tex = r"e^{%s}" % self._print(expr.args[0])
        finally:
            self._settings["fold_short_frac"] = old
        return self._do_exponent(tex, exp)

    def _print_Indexed(self, expr):
        r"""SymPy's ``{y}_{i}``; inline, the book's ``y_{i}``."""
        if not self._settings.get("inline"):
            return super()._print_Indexed(expr)
        return f"{self._print(expr.base)}_{{{','.join(map(self._print, expr.indices))}}}"

    def _print_binomial(self, expr, exp=None):
        r"""SymPy's ``{\binom{D}{j}}``; inline, without the outer braces."""
        tex = super()._print_binomial(expr, exp)
        return tex[1:-1] if self._settings.get("inline") and exp is None and tex.startswith("{") else tex

    def _print_Sum(self, expr):
        r"""SymPy's ``\sum_{i=1}^{I}``; inline, a sum from 1 to a symbol shows its index only:
        ``\sum_{i} (y_{i} - f_{i})^{2}``."""
        if not (self._settings.get("inline") and len(expr.limits) == 1 and expr.limits[0][1] == 1
                and isinstance(expr.limits[0][2], sp.Symbol)):
            return super()._print_Sum(expr)
        body = self._print(expr.function)
        if isinstance(expr.function, sp.Add):
            body = rf"\left({body}\right)"
        return rf"\sum_{{{self._print(expr.limits[0][0])}}} {body}"

    def _print_Add(self, expr, order=None):
        if self._settings.get("order") == "none":
            return super()._print_Add(expr, order)
        tex = ""
        for i, term in enumerate(_ordered_terms(expr)):
            if i == 0:
                pass
            elif term.could_extract_minus_sign():
                tex += " - "
                term = -term
            else:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = rf"\left({term_tex}\right)"
            tex += term_tex
        return tex


def _natural(text: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text))


def _ordered_terms(expr: sp.Add) -> list:
    """Terms in the lecture's order: biases first; terms in indexed symbols only (weights
    times units) by natural index order, so h_{2} comes before h_{10}."""
    # Lexicographic order already matches while every index has one digit.
    natural = any(re.search(r"\d\d", s.name) for s in expr.free_symbols if _INDEXED.match(s.name))

    def key(item):
        position, term = item
        rank = 0 if _is_parameter(term) else 1
        indexed = natural and term.free_symbols and all(_INDEXED.match(s.name) for s in term.free_symbols)
        names = " ".join(sorted((s.name for s in term.free_symbols), key=_natural)) if indexed else ""
        return (rank, 0, _natural(names), position) if indexed else (rank, 1, (), position)

    residual = residual_terms(expr)
    if residual is not None and not any(_is_parameter(t) for t in residual):
        return [residual[0], -residual[1]]  # a residual target first, as the book writes it: y - f
    return [t for _, t in sorted(enumerate(expr.as_ordered_terms()), key=key)]


def _is_parameter(expr) -> bool:
    if not isinstance(expr, sp.Symbol):
        return False
    match = _INDEXED.match(expr.name)
    return bool(match) and match.group(1) in _PARAMETER_BASES


def _factor_rank(expr) -> int:
    """Numbers, then parameters (weights before units), then the rest, then adjoints
    (``h_k dl/df_k``, ``a'[f] dl/dh``: the chain rule's factor in front of the adjoint)."""
    if expr.is_Number:
        return 0
    if _is_parameter(expr):
        return 1
    if isinstance(expr, Adjoint):
        return 3
    return 2


_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "theta", "lambda", "mu", "sigma", "phi",
    "psi", "omega", "Omega", "Theta", "Phi", "Psi", "kappa", "eta", "nu", "rho", "tau", "xi",
}


def latex(expr, commas: bool | None = None, **settings) -> str:
    r"""LaTeX of an expression in the lecture's notation.

    theta/phi indices are written without commas (``\theta_{10}``) unless ``commas`` is
    True, or (``commas=None``) some index in ``expr`` has two digits: then ``\theta_{1,0}``
    beside ``\theta_{10,0}``, never the ambiguous ``\theta_{10}`` for d = 1, i = 0.

    >>> import sympy as sp
    >>> print(latex(sp.Symbol("theta_{1,0}") + sp.Symbol("beta_{0,1}") * sp.Symbol("x_{1}")))
    \theta_{10} + \beta_{0,1} x_{1}
    >>> print(latex(sp.Symbol("theta_{1,0}") + sp.Symbol("theta_{10,0}")))
    \theta_{1,0} + \theta_{10,0}
    """
    settings.setdefault("mul_symbol", None)
    printer = LectureLatexPrinter(settings)
    if commas is None:
        commas = any(needs_commas(s.name) for s in getattr(expr, "free_symbols", ()))
    printer.commas = commas
    tex = printer.doprint(expr)
    return _plain_brackets(tex) if settings.get("inline") else tex


#: Sized brackets the inline form writes plain (``\left|``, ``\left.`` stay).
_SIZED = re.compile(r"\\(?:left|right)\s*([()\[\]])")


def _plain_brackets(tex: str) -> str:
    r"""``\left( .. \right)`` and ``\left[ .. \right]`` as plain brackets, the book's inline form.

    >>> print(_plain_brackets(r"\mathrm{sig}\left[f\right] \left(1 - x \right)"))
    \mathrm{sig}[f] (1 - x)
    """
    return re.sub(r"\s+([)\]])", r"\1", _SIZED.sub(r"\1", tex))


def _one_fraction(tex: str) -> bool:
    r"""Whether ``tex`` is one ``\frac{..}{..}`` and nothing else (``\log \frac{a}{b}`` needs no brackets)."""
    if not tex.startswith(r"\frac{"):
        return False
    depth, groups = 0, 0
    for k, ch in enumerate(tex[5:], start=5):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if ch == "}" and depth == 0:
            groups += 1
            if groups == 2:
                return k == len(tex) - 1
        elif depth == 0 and not ch.isspace():
            return False
    return False


def _latex_hooks(call: sp.Function) -> set:
    """``{"_latex"}`` when a class above ``call``'s prints it itself (a package function)."""
    return {"_latex"} if any("_latex" in vars(k) for k in type(call).__mro__[:-1]
                             if k.__module__.startswith("symbolic")) else set()


def needs_commas(name: str) -> bool:
    """True for a theta/phi/psi symbol with a multi-digit index (``theta_{10,0}``)."""
    match = _INDEXED.match(name)
    return bool(match) and match.group(1) in _COMMA_FREE and any(len(p.strip()) > 1 for p in match.group(3).split(","))


#: ``Pr`` typed as a bare word before its argument: an operator name, printed upright (``\Pr``).
_BARE_PR = re.compile(r"(?<![\\A-Za-z])Pr(?=\s*(?:\(|\\left|\[))")


def upright(tex: str, text: bool = False) -> str:
    r"""Hand-typed LaTeX with ``Pr`` upright, as the book prints it: ``Pr(y \mid \theta)`` ->
    ``\Pr(y \mid \theta)``. With ``text=True``, ``tex`` is prose and only its ``$...$`` math
    changes.

    >>> print(upright(r"\max_y Pr(y \mid \boldsymbol\theta)"))
    \max_y \Pr(y \mid \boldsymbol\theta)
    >>> print(upright(r"Pr(y) is $Pr(y = 1)$", text=True))
    Pr(y) is $\Pr(y = 1)$
    """
    if not text:
        return _BARE_PR.sub(r"\\Pr", tex)
    parts = tex.split("$")
    return "$".join(upright(p) if k % 2 else p for k, p in enumerate(parts))


_COMMAND = re.compile(r"\\(left|right|mathrm|operatorname|boldsymbol|mathbf|displaystyle)\b")


def typeset_width(tex: str) -> float:
    r"""Rough width of typeset display math in characters: like :func:`display_width`, but
    a fraction is as wide as its wider part and scripts are set smaller (for deciding how
    much of a line an ``align*`` column takes).

    >>> display_width(r"\frac{\sqrt{2} e^{- \frac{y^{2}}{2}}}{2 \sqrt{\pi}}"), typeset_width(r"\frac{\sqrt{2} e^{- \frac{y^{2}}{2}}}{2 \sqrt{\pi}}")
    (12, 4.9)
    """
    def braced(text: str, start: int) -> tuple[str, int]:
        depth = 0
        for i in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                return text[start + 1:i], i + 1
        return text[start + 1:], len(text)

    width, i = 0.0, 0
    while i < len(tex):
        if tex.startswith(r"\frac", i) and tex[i + 5:i + 6] == "{":
            top, j = braced(tex, i + 5)
            bottom, i = braced(tex, j) if tex[j:j + 1] == "{" else ("", j)
            width += max(typeset_width(top), typeset_width(bottom))
        elif tex[i] in "^_" and tex[i + 1:i + 2] == "{":
            script, i = braced(tex, i + 1)
            width += 0.7 * typeset_width(script)
        else:
            j = i + 1
            while j < len(tex) and not tex.startswith(r"\frac", j) and not (tex[j] in "^_" and tex[j + 1:j + 2] == "{"):
                j += 1
            width += display_width(tex[i:j])
            i = j
    return round(width, 1)


def display_width(tex: str) -> int:
    """Rough width of typeset math in characters, from its LaTeX source.

    >>> display_width(r"\\mathrm{ReLU}\\left[\\theta_{10} + \\theta_{11} x\\right]")
    14
    """
    tex = _COMMAND.sub("", tex)
    tex = re.sub(r"\\[A-Za-z]+", "x", tex)  # a Greek letter or operator: about one glyph
    tex = re.sub(r"[{}_^ ]", "", tex)
    return len(tex)


def latex_lines(expr, width: int = 62, **settings) -> list[str]:
    r"""LaTeX of an expression broken at top-level ``+``/``-`` into lines at most ``width``
    characters wide (by :func:`display_width`), for ``align`` environments; the lines
    after the first start with their sign.

    >>> import sympy as sp
    >>> x = sp.symbols("x_{1:7}", real=True)
    >>> latex_lines(sum(x), width=10)
    ['x_{1} + x_{2} + x_{3}', '+ x_{4} + x_{5} + x_{6}']
    """
    commas = settings.pop("commas", None)
    if commas is None:
        commas = any(needs_commas(s.name) for s in getattr(expr, "free_symbols", ()))
    whole = latex(expr, commas, **settings)
    if not isinstance(expr, sp.Add) or display_width(whole) <= width:
        return [whole]
    printer = LectureLatexPrinter({"mul_symbol": None, **settings})
    printer.commas = commas
    terms = _ordered_terms(expr)
    lines: list[str] = []
    current = ""
    for i, term in enumerate(terms):
        negative = term.could_extract_minus_sign()
        body = printer.doprint(-term if negative else term)
        if isinstance(-term if negative else term, sp.Add):
            body = rf"\left({body}\right)"
        piece = (f"- {body}" if negative else body) if i == 0 else (f"- {body}" if negative else f"+ {body}")
        candidate = f"{current} {piece}".strip()
        if current and display_width(candidate) > width:
            lines.append(current)
            current = piece
        else:
            current = candidate
    lines.append(current)
    return lines


def identifier(symbol: sp.Symbol) -> str:
    """A Python identifier for a symbol name: ``beta_{0,1}`` -> ``beta_0_1``.

    >>> import sympy as sp
    >>> identifier(sp.Symbol("omega_{1,2,3}"))
    'omega_1_2_3'
    """
    name = re.sub(r"[{}]", "", symbol.name)
    name = re.sub(r"[^0-9A-Za-z_]", "_", name)
    if not name or name[0].isdigit():
        name = "_" + name
    return name


def fold_constants(expr: sp.Expr) -> sp.Expr:
    """Replace every number-valued subexpression that is not a plain number by a Float.

    ``log(2*pi)`` becomes ``1.8378770664093455``, so no torch function receives a Python
    number. Rationals and integers stay exact (the printers write them as floats).
    """

    def fold(e):
        if not isinstance(e, sp.Basic) or e.is_Atom:
            return e
        if e.is_number and not e.free_symbols and not isinstance(e, (sp.Rational, sp.Integer)):
            try:
                value = e.evalf(30)
            except Exception:  # pragma: no cover - defensive
                value = e
            if value.is_Number:
                return sp.Float(value, 17)
        return e.func(*[fold(a) for a in e.args]) if e.args else e

    return fold(expr)


class _ExtremaMixin:
    """``Max``/``Min`` as a left fold of binary ``maximum``/``minimum`` (``Max(0, z)`` as ReLU),
    the form whose derivative :func:`symbolic.core.autodiff.local_partials` takes
    (:mod:`symbolic.core.extrema`); SymPy's own code needs ``functools`` (numpy) or calls
    ``torch.max`` with a Python number."""

    def _print_Max(self, expr):
        return self._print(binary_extrema(expr))

    def _print_Min(self, expr):
        return self._print(binary_extrema(expr))

    def print_definition(self, expr: sp.Expr) -> str:
        """Code for a function's stock-SymPy definition, its number-valued parts folded to
        floats (:func:`fold_constants`): how a function without a code template prints."""
        return self._print(fold_constants(expr))


class NumpyCodePrinter(_ExtremaMixin, SciPyPrinter):
    """numpy/scipy code (the activation classes print themselves through ``_numpycode``)."""

    def _print_Rational(self, expr):
        return repr(float(expr))

    def _print_Integer(self, expr):
        return repr(float(expr))


class _TorchCodeMixin(_ExtremaMixin):
    """torch code (the activation classes print themselves through ``_torchcode``)."""

    def _print_Piecewise(self, expr):
        # torch.where of two Python numbers is a float32 tensor (5/3 loses 8 digits): a number
        # branch takes the dtype and shape of the tensor its condition compares.
        like = next((side for rel in sorted(expr.atoms(sp.core.relational.Relational), key=sp.default_sort_key)
                     for side in (rel.lhs, rel.rhs) if side.free_symbols), None)
        if like is None:
            return super()._print_Piecewise(expr)
        ref = self._print(like)

        def branch(e):
            return f"torch.full_like({ref}, {self._print(e)})" if e.is_number else self._print(e)

        last_e, last_c = expr.args[-1]
        text = branch(last_e) if last_c == sp.true else branch(sp.S.Zero)
        start = len(expr.args) - 1 if last_c == sp.true else len(expr.args)
        for e, c in reversed(expr.args[:start]):
            text = f"torch.where({self._print(c)}, {branch(e)}, {text})"
        return text

    def _print_Rational(self, expr):
        return repr(float(expr))

    def _print_Integer(self, expr):
        return repr(float(expr))

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.args
        if exp == -1:
            return f"1.0/({self._print(base)})"
        if exp == 2:
            b = self._print(base)
            return f"(({b})*({b}))"
        if exp == sp.S.Half:
            return f"torch.sqrt({self._print(base)})"
        return f"torch.pow({self._print(base)}, {self._print(exp)})"


_TORCH_PRINTER: type | None = None


def torch_code_printer() -> type:
    """The torch code printer class. Built on first use: SymPy's ``sympy.printing.pytorch``
    imports torch, and ``symbolic`` never imports torch at module level."""
    global _TORCH_PRINTER
    if _TORCH_PRINTER is None:
        from sympy.printing.pytorch import TorchPrinter

        _TORCH_PRINTER = type("TorchCodePrinter", (_TorchCodeMixin, TorchPrinter), {})
    return _TORCH_PRINTER


def __getattr__(name: str):
    if name == "TorchCodePrinter":
        return torch_code_printer()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
