r"""Exercise kinds on losses from maximum likelihood: the per-sample NLL of a distribution
with a given link, and the prediction rule of a classifier.

Each NLL exercise is a loss of the registry (:func:`symbolic.spec.losses.get_loss`): its density
and link are the entry's SymPy side (one output ``f``; the normal's ``sigma`` and the Laplace
scale ``b`` fixed to a drawn number), and its torch reference is the entry's torch side: the
``torch.distributions`` oracle where the entry has one (Laplace, exponential), else its PyTorch
twin (torch's own Gaussian, binary cross-entropy and Poisson losses). The solution is the checked
derivation ``l = -log Pr(y | f)`` from that density down to the answer, proven once per
distribution and parameter; the answer is its last step: the registry's per-sample loss where
the student writes it so (normal, Bernoulli, Poisson), the tidy form otherwise, proven equal
to it. Each typical mistake is tagged with the slip it models, and that slip is made again on
the registry's density (:func:`slipped_nll`): the normalising factor left out, the exponent's
1/2 lost, the link left out, ``y`` and ``1 - y`` swapped.
"""

from __future__ import annotations

import functools
import random

import sympy as sp

from symbolic.activations.functions import Softplus, sig
from symbolic.core.derivation import Cases, Derivation
from symbolic.losses.sample import sample_loss
from symbolic.spec.losses import get_loss

from derivations.exercises.base import Exercise, R, Witness, kind, number_latex, pick, tex_number
from derivations.exercises.question import Question
from symbolic.core.printing import latex

f = sp.Symbol("f", real=True)
y_real = sp.Symbol("y", real=True)
y_count = sp.Symbol("y", integer=True, nonnegative=True)
y_positive = sp.Symbol("y", positive=True)
l = sp.Symbol("l")  # noqa: E741 - the lecture's per-sample loss


def _registry_answer(loss: str, y: sp.Symbol, constants: dict | None = None) -> sp.Expr:
    """The registry's per-sample loss of one output ``f``, in the exercise's target ``y``."""
    sample = sample_loss(loss, [f])
    return sample.expr.xreplace({sample.targets[0]: y, **(constants or {})})


#: The fixed parameters' symbols as the registry's densities name them, for the rules the solutions state.
sigma, b = sp.Symbol("sigma", positive=True), sp.Symbol("b", positive=True)
#: The linked parameter of the Bernoulli, Poisson and exponential models (the registry's lambda).
lam = sp.Symbol("lambda", positive=True)
#: The book's forms the solutions and the feedback print (answers.json keeps the feedback's words).
TYPED = {"constant": r"\log(2\pi\sigma^2)/2 = \log\sigma + \log(2\pi)/2", "half-log": r"\frac{1}{2}\log(2\pi\sigma^2)",
         "no link": r"\lambda = f", "sig link": r"\lambda = \mathrm{sig}[f]", "exp link": r"\lambda = e^{f}",
         "swapped": "1 - y", "pr one": r"Pr(y = 1) = \lambda", "log exp": r"\log e^{f} = f",
         "log factorial": r"\log y! = \log\Gamma(y + 1)", "factorial": r"\log y!", "log 2b": r"\log 2b"}


def _bernoulli_pr(f_i: sp.Symbol, y_i: sp.Symbol) -> sp.Expr:
    """``Pr(y_i | f_i)``: the registry's Bernoulli density of the sample, its link inserted."""
    block = get_loss("bernoulli").model().block()
    link = {p: e.xreplace({block.outputs[0]: f_i}) for p, e in block.link.items()}
    return block.density.xreplace(link).xreplace({block.targets[0]: y_i})


def _pr_one(name: str) -> sp.Expr:
    """``Pr(y = 1)`` of a two-outcome model: the registry's density in its parameter at y = 1."""
    block = get_loss(LOSSES[name][0]).model().block()
    return block.density.xreplace({block.targets[0]: 1})


def _link_missing(e: Question, link: sp.Expr, typed: str) -> str:
    """The feedback of the missing link: ``lambda = link``, not ``lambda = f`` (the slip's own)."""
    stated = e(sp.Eq(lam, link, evaluate=False), "the link", typed=typed)
    slipped = e(sp.Eq(lam, f, evaluate=False), "the slip: no link", typed=TYPED["no link"], slip=True)
    return f"the link is missing: ${stated}$, not ${slipped}$"


def _normal(s, e: Question):
    y = y_real
    answer = _registry_answer("normal", y, {sigma: s})
    constant = -sp.log(_normaliser("normal", sigma))  # what the normalising factor adds, sigma kept
    rule = e((constant, sp.log(sigma) + sp.log(2 * sp.pi) / 2), "the constant", typed=TYPED["constant"])
    steps = [((y - f) ** 2 / (2 * s**2) + sp.log(2 * sp.pi * s**2) / 2, "logarithm of the density"),
             (answer, f"${rule}$: the registry's per-sample loss")]
    dropped = e(constant, "the constant dropped", typed=TYPED["half-log"])
    mistakes = [(f"you dropped the constant ${dropped}$", (y - f) ** 2 / (2 * s**2), "constant"),
                (f"you lost the factor ${e(sp.Rational(1, 2), 'the factor lost')}$ of the exponent",
                 (y - f) ** 2 / s**2 + sp.log(2 * sp.pi * s**2) / 2, "half")]
    text = "a normal distribution with mean ${link}$ and fixed standard deviation ${fixed}$, ${density}$"
    return answer, steps, mistakes, text, {}


def _swapped(e: Question, y: sp.Symbol, pr_one: sp.Expr, typed: str) -> str:
    """The feedback of ``y`` and ``1 - y`` swapped: ``Pr(y = 1)`` is ``pr_one``."""
    one = e((_pr_one("bernoulli"), pr_one), "Pr(y = 1)", typed=typed)
    return f"you swapped ${e(y, 'the target')}$ and ${e(1 - y, 'the swapped target', typed=TYPED['swapped'])}$: ${one}$"


def _bernoulli(_, e: Question):
    y = y_real
    answer = _registry_answer("bernoulli", y)
    steps = [(-y * sp.log(sig(f)) - (1 - y) * sp.log(1 - sig(f)), "logarithm of the product"),
             (answer, f"${e((-sp.log(sig(f)), Softplus(-f), Softplus(f) - f), 'the logarithm of the sigmoid')}$")]
    mistakes = [(_link_missing(e, sig(f), TYPED["sig link"]), -y * sp.log(f) - (1 - y) * sp.log(1 - f), "link"),
                (_swapped(e, y, lam, TYPED["pr one"]), Softplus(f) - (1 - y) * f, "swap")]
    text = r"a Bernoulli distribution ${density}$, $y \in \{{0, 1\}}$, with the link ${link}$"
    return answer, steps, mistakes, text, {"y": [0, 1]}


def _log_exp(e: Question) -> str:
    """``log e^f = f``: the link's exponential undone."""
    return e((sp.log(sp.exp(f), evaluate=False), f), "the logarithm of the link", typed=TYPED["log exp"])


def _poisson(_, e: Question):
    y = y_count
    answer = _registry_answer("poisson", y)
    factorial = e((sp.log(sp.factorial(y)), sp.log(sp.gamma(y + 1))), "log y!", typed=TYPED["log factorial"])
    steps = [(-y * sp.log(sp.exp(f)) + sp.exp(f) + sp.log(sp.factorial(y)), "logarithm of the density"),
             (answer, f"${_log_exp(e)}$ and ${factorial}$")]
    dropped = e(-sp.log(_normaliser("poisson", None)), "the constant dropped", typed=TYPED["factorial"])
    mistakes = [(f"you dropped the constant ${dropped}$", sp.exp(f) - y * f, "constant"),
                (_link_missing(e, sp.exp(f), TYPED["exp link"]), f - y * sp.log(f) + sp.log(sp.factorial(y)), "link")]
    text = r"a Poisson distribution ${density}$ of the counts $y \in \{{0, 1, 2, \dots\}}$, with the link ${link}$"
    return answer, steps, mistakes, text, {"y": list(range(0, 7))}


def _exponential(_, e: Question):
    y = y_positive
    answer = y * sp.exp(f) - f
    steps = [(-sp.log(sp.exp(f)) + sp.exp(f) * y, "logarithm of the density"), (answer, f"${_log_exp(e)}$")]
    mistakes = [(_link_missing(e, sp.exp(f), TYPED["exp link"]), y * f - sp.log(f), "link")]
    text = "an exponential distribution ${density}$ of the positive $y$, with the link ${link}$"
    return answer, steps, mistakes, text, {}


def _laplace(s, e: Question):
    y = y_real
    answer = sp.Abs(y - f) / s + sp.log(2 * s)
    steps = [(answer, "logarithm of the density")]
    # the feedback's words as answers.json keeps them: the reader takes "\log 2b" for b log 2, so
    # the text is named as the constant it states
    dropped = e.named(-sp.log(_normaliser("laplace", b)), TYPED["log 2b"], "the constant dropped")
    mistakes = [(f"you dropped the constant ${dropped}$", sp.Abs(y - f) / s, "constant")]
    text = "a Laplace distribution with location ${link}$ and fixed scale ${fixed}$, ${density}$"
    return answer, steps, mistakes, text, {}


def _normaliser(name: str, parameter) -> sp.Expr:
    """The factors of ``Pr(y | f)`` without ``f``: what the slip "constant" leaves out
    (:func:`slipped_nll`); ``parameter`` may be the fixed parameter's symbol, kept."""
    return sp.Mul(*[a for a in sp.Mul.make_args(linked_density(name, parameter)) if not a.has(f)])


MODELS = {"normal": _normal, "bernoulli": _bernoulli, "poisson": _poisson, "exponential": _exponential,
          "laplace": _laplace}
PARAMETERS = {"normal": [R(1, 2), R(1), R(2), R(3)], "laplace": [R(1), R(3, 2), R(2), R(3)]}  # b = 1/2: log 2b = 0
#: Each model's registry loss, the name of the parameter it fixes to the drawn number (None:
#: none), and its target symbol.
LOSSES = {"normal": ("normal", "sigma", y_real), "bernoulli": ("bernoulli", None, y_real),
          "poisson": ("poisson", None, y_count), "exponential": ("exponential", None, y_positive),
          "laplace": ("laplace", "b", y_real)}


def _fixed(block, name: str, parameter) -> dict[sp.Symbol, sp.Expr]:
    """``{parameter symbol: its number}`` for the model's fixed parameter (empty when none)."""
    fixed = LOSSES[name][1]
    return {p: sp.sympify(parameter) for p in block.parameters if p.name == fixed}


def linked_density(name: str, parameter) -> sp.Expr:
    """``Pr(y | f)`` of a model: the registry entry's density with its link to the one output
    ``f`` inserted and the fixed parameter set to its number.

    >>> print(sp.latex(linked_density("exponential", None)))
    e^{f} e^{- y e^{f}}
    """
    loss, _, y = LOSSES[name]
    block = get_loss(loss).model().block()
    values = _fixed(block, name, parameter)
    link = {p: e.xreplace({block.outputs[0]: f}) for p, e in block.link.items() if p not in values}
    return block.density.xreplace(values).xreplace(link).xreplace({block.targets[0]: y})


#: What each slip of :func:`slipped_nll` does, in words.
SLIPS = {"constant": "SymPy: -log of the density's factors that depend on f (the normalising factor left out)",
         "half": "SymPy: -log of the density with its factor in f squared (the exponent's 1/2 lost)",
         "link": "SymPy: -log of the registry's density with its parameter set to f (no link)",
         "swap": "SymPy: -log of the density at 1 - y instead of y"}


def slipped_nll(name: str, parameter, slip: str) -> sp.Expr:
    """``-log Pr(y | f)`` of a model with one typical slip made on the registry's density
    (:data:`SLIPS`), logarithms expanded.

    >>> print(slipped_nll("poisson", None, "constant"))
    -f*y + exp(f)
    """
    loss, _, y = LOSSES[name]
    density = linked_density(name, parameter)
    if slip in ("constant", "half"):
        factors = sp.Mul.make_args(density)
        kept = sp.Mul(*[a for a in factors if a.has(f)])
        normaliser = sp.Mul(*[a for a in factors if not a.has(f)])
        density = kept if slip == "constant" else normaliser * kept**2
    elif slip == "link":
        block = get_loss(loss).model().block()
        values = _fixed(block, name, parameter)
        (linked,) = [p for p in block.link if p not in values]
        density = block.density.xreplace(values).xreplace({linked: f, block.targets[0]: y})
    elif slip == "swap":
        density = density.xreplace({y: 1 - y})
    else:
        raise ValueError(f"unknown slip {slip!r}; choose from {', '.join(SLIPS)}")
    return sp.expand_log(-sp.log(density), force=True)


@functools.lru_cache(maxsize=None)
def nll_derivation(name: str, parameter) -> tuple[Derivation, tuple]:
    """The checked derivation ``l = -log Pr(y | f)`` of one model (cached: few combinations), and
    the printed parts of its reasons and its mistakes' feedback."""
    y = LOSSES[name][2]
    e = Question("nll", names={r"Pr(y = 1)": _pr_one("bernoulli")}, of="solution")
    answer, steps, mistakes, text, domain = MODELS[name](parameter, e)
    density = linked_density(name, parameter)
    d = Derivation(f"NLL of the {name} model", layout="block")
    d.domain = {y: Cases(domain["y"])} if domain else {}
    d.definitions[l] = -sp.log(density)
    d.definitions.update(_stated(name, parameter))  # what the question states: the density, link and number
    d.add(-sp.log(density), "negative log-likelihood of one sample, link substituted", lhs=l, check=False)
    for expr, reason in steps:
        d.add(expr, reason)
    d.check()
    return d, (y, answer, mistakes, text, domain), e


#: The (f, y) points at which each model's answer is compared with its torch reference.
TWIN_POINTS = {"normal": [(R(1, 3), R(-1, 2)), (R(-3, 2), R(2))],
               "bernoulli": [(R(7, 5), 0), (R(-2, 3), 1)],
               "poisson": [(R(1, 2), 3), (R(-1, 4), 0)],
               "exponential": [(R(1, 3), R(3, 2)), (R(-1, 2), R(1, 4))],
               "laplace": [(R(1, 3), R(-1, 2)), (R(-3, 2), R(2))]}


def torch_reference(name: str, parameter):
    """``((F, Y) -> -log Pr(y | f), what)`` from the registry entry's torch side, float64 (I,) for
    F, Y (I,): ``-log_prob`` of its ``torch.distributions`` oracle where it has one, else its
    PyTorch twin. A fixed parameter goes in as the constant (sigma) or as the output whose link
    gives it its number (the Laplace scale: ``f_2 = log b``)."""
    import torch

    from numeric.losses import per_sample_nll

    entry = get_loss(LOSSES[name][0])
    block = entry.model().block()
    constants, outputs = {}, []
    for p, value in _fixed(block, name, parameter).items():
        if p in block.link:  # solve link[p] = value for the output it uses
            (output,) = block.link[p].free_symbols
            outputs.append(float(sp.solve(block.link[p] - value, output)[0]))
        else:
            constants[p.name] = float(value)
    oracle = entry.oracle()

    def reference(F, Y):
        f_all = torch.stack([F, *(torch.full_like(F, v) for v in outputs)], dim=1)  # (I, D_o)
        if oracle is not None:
            return -oracle(entry, f_all, constants).log_prob(Y)
        return per_sample_nll(entry, f_all, Y[:, None], constants.get("sigma"))

    return reference, "torch.distributions" if oracle is not None else "PyTorch twin"


def _stated(name: str, parameter) -> dict:
    """What an NLL question states, as the solution's derivation defines it: ``Pr(y | f)`` (the
    linked density), ``Pr(y | theta)`` (the registry's density in its parameter), the link of the
    parameter to ``f`` and the fixed parameter's number."""
    loss, _, y = LOSSES[name]
    block = get_loss(loss).model().block()
    values = _fixed(block, name, parameter)
    (linked,) = [p for p in block.link if p not in values]
    return {PR_F: linked_density(name, parameter), _pr(linked): block.density.xreplace({block.targets[0]: y}),
            linked: block.link[linked].xreplace({block.outputs[0]: f}), **values}


def _pr(parameter: sp.Symbol) -> sp.Symbol:
    r"""The symbol that ``Pr(y \mid \theta)`` names in a question (theta: the linked parameter)."""
    return sp.Symbol(f"Pr(y|{parameter.name})")


def _pr_latex(parameter: sp.Basic) -> str:
    return rf"Pr(y \mid {latex(parameter)})"


#: ``Pr(y | f)``, the linked density, as a question names it.
PR_F = sp.Symbol("Pr(y|f)")


def _statement(name: str, parameter, d: Derivation) -> tuple[str, Question]:
    """The model's sentence of the question, every formula and number printed from what the
    solution's derivation ``d`` defines (:func:`_stated`) and read back."""
    loss, fixed, y = LOSSES[name]
    block = get_loss(loss).model().block()
    values = _fixed(block, name, parameter)
    (linked,) = [p for p in block.link if p not in values]
    pr = _pr(linked)
    q = Question("nll", names={_pr_latex(linked): pr, _pr_latex(f): PR_F})
    density = d.definitions[pr]
    gaps = {"density": q(sp.Eq(pr, density, evaluate=False), "the density",
                         typed=f"{_pr_latex(linked)} = {latex(density)}"),
            "link": q(sp.Eq(linked, d.definitions[linked], evaluate=False), "the link"),
            "fixed": ", ".join(q.given(p, v, "the fixed parameter") for p, v in values.items())}
    return nll_derivation(name, parameter)[1][3].format(**gaps), q


def _twin(name: str, parameter, y, answer) -> list[tuple[str, float, float]]:
    import torch

    reference, what = torch_reference(name, parameter)
    out = []
    for fv, yv in TWIN_POINTS[name]:
        F = torch.tensor([float(fv)], dtype=torch.float64)
        Y = torch.tensor([float(yv)], dtype=torch.float64)
        value = float(reference(F, Y)[0])
        exact = answer.xreplace({f: fv, y: sp.Integer(yv) if isinstance(yv, int) else yv})
        out.append((f"NLL at f = {fv}, y = {yv} ({what})", value, exact))
    return out


@kind("nll", "losses")
def nll(rng: random.Random) -> Exercise:
    name = pick(rng, list(MODELS))
    parameter = pick(rng, PARAMETERS[name]) if name in PARAMETERS else None
    d, (y, _, mistakes, text, domain), explained = nll_derivation(name, parameter)
    answer = d.steps[-1].rhs  # the answer: the derivation's last, checked step
    text, q = _statement(name, parameter, d)
    stated = q(sp.Eq(l, -sp.log(PR_F), evaluate=False), "the loss", typed=rf"{latex(l)} = -\log {_pr_latex(f)}")
    question = (f"A network's output $f$ predicts the parameter of {text}. Write the per-sample loss ${stated}$ as an "
                "expression in $f$ and $y$.")
    return Exercise(
        "nll", "losses", "expression", question, d.steps[-1:], variables=[f, y],
        solution=["The recipe: choose the distribution, let the network predict its parameter through the link, "
                  "and take the negative logarithm of the likelihood of one sample.", d],
        mistakes=[(feedback, value) for feedback, value, _ in mistakes],
        witnesses=[Witness(feedback, SLIPS[slip], slipped_nll(name, parameter, slip), exact=True)
                   for feedback, _, slip in mistakes],
        twin=_twin(name, parameter, y, answer), domain=domain, title="A loss from maximum likelihood", printed=q,
        explained=explained)


@kind("prediction", "losses")
def prediction(rng: random.Random) -> Exercise:
    import torch

    while True:
        fs = [pick(rng, [R(n, 2) for n in range(-4, 5)]) for _ in range(3)]
        k = rng.randrange(3)
        total = sum(sp.exp(v) for v in fs)
        drawn = sp.exp(fs[k]) / total  # only to choose the draw
        others = [sp.exp(fs[j]) / total for j in range(3) if j != k]
        unnormalised, sigmoid = sp.exp(fs[k]), sig(fs[k])
        values = [float(v) for v in [drawn, *others, unnormalised, sigmoid, 2 * drawn]]
        if len(set(fs)) == 3 and all(abs(a - b) > 0.01 for i, a in enumerate(values) for b in values[i + 1:]):
            break
    d = Derivation("softmax", layout="block")
    p = sp.Symbol("p")
    d.add(drawn, "softmax: exponentiate and normalise", lhs=p,
          lhs_latex=f"Pr(y = {k + 1} \\mid \\mathbf{{f}})",
          rhs_latex=(f"\\frac{{e^{{{number_latex(fs[k])}}}}}{{" + " + ".join(f"e^{{{number_latex(v)}}}" for v in fs)
                     + f"}} \\approx {float(drawn):.6f}"))
    outputs = [sp.Symbol(f"f_{{{j + 1}}}", real=True) for j in range(3)]
    d.definitions.update(dict(zip(outputs, fs)))  # the sheet's outputs: the probability is of them
    d.definitions[p] = sp.exp(outputs[k]) / sp.Add(*[sp.exp(v) for v in outputs])
    answer = d.steps[-1].rhs  # the answer: the checked softmax probability
    F = torch.tensor([float(v) for v in fs], dtype=torch.float64)  # (3,)
    probabilities = torch.softmax(F, 0)
    torch_value = float(probabilities[k])
    other = f"that is the probability of another class (wrong index, not class {k + 1})"
    unnormalised_text = "you forgot to normalise: divide by the sum of the exponentials"
    sigmoid_text = "you used the logistic sigmoid of one output: three classes need the softmax"
    asked = f"Pr(y = {k + 1} \\mid \\mathbf{{f}})"
    q = Question("prediction", names={asked: p})
    e = Question("prediction", names={asked: p}, of="solution")
    rule = e(sp.Eq(p, d.definitions[p], evaluate=False), "the softmax", typed=f"{asked} = {latex(d.definitions[p])}")
    question = ("A classifier with three classes predicts the probability of each class $c$ by the softmax of its "
                f"outputs $\\mathbf{{f}}$, here ${q.givens(list(zip(outputs, fs)), 'the output')}$. "
                f"Compute ${q(p, 'the probability asked for', typed=asked)}$ to 3 decimal places.")
    return Exercise(
        "prediction", "losses", "number", question, d.steps[-1:], precision=0.001,
        solution=[f"The softmax exponentiates the outputs and normalises: ${rule}$.", d],
        mistakes=[(other, v) for v in others] + [(unnormalised_text, unnormalised), (sigmoid_text, sigmoid)],
        witnesses=[Witness(other, f"torch.softmax of the outputs, class {j + 1}", float(probabilities[j]))
                   for j in range(3) if j != k]
        + [Witness(unnormalised_text, f"torch.exp of f_{k + 1}", float(torch.exp(F[k]))),
           Witness(sigmoid_text, f"torch.sigmoid of f_{k + 1}", float(torch.sigmoid(F[k])))],
        twin=[("softmax probability (torch)", torch_value, answer)], title="The prediction of a classifier", printed=q,
        explained=e)


@kind("total-nll", "losses")
def total_nll(rng: random.Random) -> Exercise:
    import torch

    from numeric.losses import nll as torch_nll
    from symbolic.core.derivation import check_equal

    while True:
        fs = [pick(rng, [R(n, 2) for n in range(-4, 5) if n]) for _ in range(3)]
        ys = [rng.randint(0, 1) for _ in range(3)]
        per = [Softplus(v) - yv * v for v, yv in zip(fs, ys)]
        total = sp.Add(*per)  # only to choose the draw
        swapped = sp.Add(*[Softplus(v) - (1 - yv) * v for v, yv in zip(fs, ys)])
        values = [float(v) for v in (total, total / 3, swapped, 2 * total, total / 2)]
        if len(set(ys)) == 2 and all(abs(a - b) > 0.01 for i, a in enumerate(values) for b in values[i + 1:]):
            break
    d = Derivation("total loss", layout="block")
    samples = [(sp.Symbol(f"f_{{{i}}}", real=True), sp.Symbol(f"y_{{{i}}}", integer=True)) for i in range(1, 4)]
    losses = [sp.Symbol(f"l_{i}") for i in range(1, 4)]
    f_i, y_i = sp.Symbol("f_i", real=True), sp.Symbol("y_i", integer=True)  # any sample's output and target
    e = Question("total-nll", of="solution", names={r"\ell_i": -sp.log(_bernoulli_pr(f_i, y_i)),
        **{rf"\ell_{{{i}}}": li for i, li in enumerate(losses, start=1)},
        **{rf"Pr(y_{{{i}}} \mid f_{{{i}}})": _bernoulli_pr(fi, yi) for i, (fi, yi) in enumerate(samples, start=1)},
        r"Pr(y = 1)": _pr_one("bernoulli")})
    for (fi, yi), v, yv in zip(samples, fs, ys):  # the sheet's samples: every loss below is of them
        d.definitions.update({fi: v, yi: sp.Integer(yv)})
    for i, ((fi, yi), v, yv, li) in enumerate(zip(samples, fs, ys, per), start=1):
        lam = sig(fi)
        stated = e(sp.Eq(losses[i - 1], -sp.log(_bernoulli_pr(fi, yi)), evaluate=False), f"the loss of sample {i}",
                   typed=rf"\ell_{{{i}}} = -\log Pr(y_{{{i}}} \mid f_{{{i}}})")
        link = e(sp.Eq(lam, sig(fi), evaluate=False), f"the link of sample {i}")
        d.add(li, f"${stated}$, Bernoulli with ${link}$",
              lhs=-sp.log(lam**yi * (1 - lam) ** (1 - yi)), lhs_latex=f"\\ell_{{{i}}}",
              rhs_latex=rf"\mathrm{{softplus}}\left[{number_latex(v)}\right] - {yv} \cdot {tex_number(v)} "
                        rf"\approx {float(li):.6f}")
    d.add(total, r"the loss is the sum over the samples", lhs=sp.Add(*[sp.Symbol(f"l_{i}") for i in range(1, 4)]),
          lhs_latex=r"L = \ell_1 + \ell_2 + \ell_3", rhs_latex=f"{float(total):.6f}")
    d.definitions.update(dict(zip(losses, per)))
    for step in d.steps:  # closed expressions: one evaluation to 50 digits settles each step
        step.check = check_equal(d._expand(step.lhs), step.rhs, points=1, symbolic=False)
    total = d.steps[-1].rhs  # the answer: the checked sum of the per-sample losses
    F = torch.tensor([[float(v)] for v in fs], dtype=torch.float64)  # (I, 1)
    Y = torch.tensor([[float(v)] for v in ys], dtype=torch.float64)  # (I, 1)
    torch_total = float(torch_nll("bernoulli", F, Y, reduction="sum"))
    mean = "you took the mean over the samples: the loss is their sum"
    swap = _swapped(e, y_real, sig(f), r"Pr(y = 1) = \mathrm{sig}[f]")
    per_sample = e((-sp.log(_bernoulli_pr(f_i, y_i)), -y_i * sp.log(sig(f_i)) - (1 - y_i) * sp.log(1 - sig(f_i)),
                    Softplus(f_i) - y_i * f_i), "the per-sample loss",
                   typed=r"\ell_i = -y_i \log \mathrm{sig}[f_i] - (1 - y_i)\log(1 - \mathrm{sig}[f_i]) = "
                         r"\mathrm{softplus}[f_i] - y_i f_i")
    one, each, each_loss, L = sp.Symbol("Pr(y=1|f)"), sp.Symbol("Pr(y_i|f_i)"), sp.Symbol("l_i"), sp.Symbol("L")
    names = {r"Pr(y = 1 \mid f)": one, r"Pr(y_i \mid f_i)": each, r"\ell_i": each_loss,
             **{rf"\ell_{{{i}}}": s for i, s in enumerate(losses, start=1)}}
    q = Question("total-nll", names=names)
    model = q(sp.Eq(one, sig(f), evaluate=False), "the model", typed=rf"Pr(y = 1 \mid f) = {latex(sig(f))}")
    data = ", ".join(f"${q.point([(fi, v), (yi, yv)], 'the sample')}$" for (fi, yi), v, yv in zip(samples, fs, ys))
    loss = q(sp.Eq(L, sp.Add(*losses), evaluate=False), "the loss", typed=r"L = \ell_{1} + \ell_{2} + \ell_{3}")
    sample = q(sp.Eq(each_loss, -sp.log(each), evaluate=False), "the per-sample loss",
               typed=r"\ell_i = -\log Pr(y_i \mid f_i)")
    question = (f"A binary classifier predicts ${model}$. On three training samples its outputs and the targets $(f_i, y_i)$ are "
                f"{data}. Compute the loss ${loss}$, the sum of the per-sample losses ${sample}$, to 3 decimal places.")
    return Exercise(
        "total-nll", "losses", "number", question, d.steps[-1:], precision=0.001,
        solution=[f"Per sample ${per_sample}$; the loss adds them.", d],
        mistakes=[(mean, total / 3), (swap, swapped)],
        witnesses=[Witness(mean, "the torch Bernoulli loss with reduction='mean'",
                           float(torch_nll("bernoulli", F, Y, reduction="mean"))),
                   Witness(swap, "the torch Bernoulli loss (sum) of the targets 1 - y",
                           float(torch_nll("bernoulli", F, 1 - Y, reduction="sum")))],
        twin=[("total Bernoulli NLL (torch, sum reduction)", torch_total, total)], title="The loss of a data set", printed=q,
        explained=e)
