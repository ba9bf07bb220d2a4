"""The lecture-style LaTeX printer reorders terms and factors (biases first, weights before
activations, coefficients first): parse its output back and prove it is the same expression."""

import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sympy.parsing.latex import parse_latex

from symbolic.core.printing import latex

R = dict(real=True)
# Symbols whose printed names parse back: theta_{1,0} prints as \theta_{10}.
SYMBOLS = [sp.Symbol("x", **R), sp.Symbol("z", **R), sp.Symbol("h_{2}", **R), sp.Symbol("phi_{0}", **R),
           sp.Symbol("phi_{1}", **R), sp.Symbol("theta_{1,0}", **R), sp.Symbol("theta_{1,1}", **R)]
PARSED_NAME = {"theta_{1,0}": "u", "theta_{1,1}": "v"}

leaves = st.one_of(st.sampled_from(SYMBOLS),
                   st.fractions(min_value=-5, max_value=5, max_denominator=12).map(sp.Rational))


def _combine(children):
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda p: p[0] + p[1]),
        pair.map(lambda p: p[0] * p[1]),
        pair.map(lambda p: p[0] - p[1]),
        pair.filter(lambda p: p[1] != 0).map(lambda p: p[0] / p[1]),
        children.map(sp.exp),
        children.map(lambda c: c**2),
    )


expressions = st.recursive(leaves, _combine, max_leaves=7)


def _parse(tex: str) -> sp.Expr:
    # The lark grammar reads \phi_{0} but not \theta_{10}: spell those as plain letters.
    parsed = parse_latex(tex.replace("\\theta_{10}", "u").replace("\\theta_{11}", "v"), backend="lark")
    if not isinstance(parsed, sp.Basic):
        return parsed
    names = {s.name: s for s in parsed.free_symbols}
    mapping = {names[n]: sp.E for n in ("e",) if n in names}  # e^{...} reads as a symbol e
    for s in SYMBOLS:
        key = PARSED_NAME.get(s.name, s.name)
        if key in names:
            mapping[names[key]] = s
    return parsed.xreplace(mapping)


@settings(max_examples=80, deadline=None)
@given(expressions)
def test_printed_latex_parses_back_to_the_same_expression(expr):
    tex = latex(expr, mul_symbol="times")  # same ordering logic; explicit products for the parser
    back = _parse(tex)
    assume(isinstance(back, sp.Basic))  # the lark grammar leaves some exponentials ambiguous
    assert sp.simplify(back - expr) == 0, (expr, tex, back)


def test_known_regressions():
    z = SYMBOLS[1]
    for expr in (1 / (1 + sp.exp(-z)), (1 - z) / 2, sp.Rational(7, 10) * SYMBOLS[2] + SYMBOLS[3]):
        assert sp.simplify(_parse(latex(expr)) - expr) == 0


def test_package_functions_print_when_raised_to_a_power():
    """Powers of activations and logsumexp (tanh'[z] = 1 - tanh[z]^2) used to crash the printer."""
    from symbolic.activations.functions import ACTIVATION_CLASSES
    from symbolic.losses.sample import LogSumExp

    z, w = SYMBOLS[1], SYMBOLS[0]
    for cls in ACTIVATION_CLASSES.values():
        expr = cls(z, sp.Rational(1, 10)) if cls.nargs == {2} else cls(z)
        assert latex(expr**2).endswith("^{2}")
    assert latex(LogSumExp(z, w) ** 3).endswith("\\right]^{3}")
