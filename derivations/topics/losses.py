"""Topic: loss functions from maximum likelihood (Bernoulli, normal and least squares,
heteroscedastic normal, categorical, Poisson), derived step by step and checked.

    python -m derivations.topics.losses --out DIR
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import sympy as sp
import torch

from derivations.checks.crosscheck import TOLERANCES, compare, gradient_check, random_targets
from derivations.figures.losses import bernoulli_nll_figure, normal_likelihood_figure
from derivations.checks.evidence import checked_numerically, method_class
from derivations.checks.records import assign_ids, slug, tagged, tagged_ids
from derivations.tex import escape
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.losses import per_sample_nll
from numeric.model import DeepNetworkModule
from symbolic.core.compile import compile_program
from symbolic.spec.losses import LOSSES, get_loss
from symbolic.losses.sample import network_loss, sample_loss
from symbolic.core.printing import latex
from symbolic.losses.recipes import Recipe, checked_recipe, network_loss_derivation
from symbolic.spec import NetworkSpec

TITLE = "Loss functions"
SLUG = "losses"
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("CHECK_SIGMA",)

#: Output widths for the symbolic-vs-torch checks of the lecture's losses (its order), and the
#: normal loss's sigma there. The book's other distributions are in the last section.
CHECK_WIDTHS = {"least-squares": 2, "normal": 2, "heteroscedastic-normal": 4, "bernoulli": 2, "categorical": 3,
                "poisson": 2}
CHECK_SIGMA = 0.75


def _twin_check(name: str, seed: int) -> dict:
    """The compiled symbolic network + loss vs the torch twin (built-in losses), float64."""
    spec = NetworkSpec((2, 4, CHECK_WIDTHS[name]), "tanh")
    gen = torch.Generator().manual_seed(seed)
    module = DeepNetworkModule(spec, generator=gen)
    with torch.no_grad():  # outputs (logits) up to about +-20
        module.beta_1.mul_(8.0)
        module.omega_1.mul_(8.0)
    X = torch.rand(64, 2, generator=gen, dtype=torch.float64) * 4 - 2
    Y = random_targets(name, spec, 64, seed)
    sigma = CHECK_SIGMA if get_loss(name).uses_sigma else None
    nl = network_loss(spec, name)
    with torch.no_grad():
        reference = per_sample_nll(name, module(X), Y, sigma)
        _, ours = nl.evaluate(X, Y, {k: v.detach() for k, v in module.named_parameters()}, sigma, nl.compile("torch"))
    c = compare(rf"{name}: compiled symbolic $\ell_i$ vs PyTorch built-in loss (64 samples, 2-4-{spec.D_o} tanh)", ours,
                reference, TOLERANCES[torch.float64])
    return record(c.name, "symbolic-vs-torch", c.max_rel, c.passed, "float64, relative error", loss=name)


_LOGITS = [-1e4, -800.0, -40.0, -1.0, 0.5, 40.0, 800.0, 1e4]
#: The losses whose stable forms are checked at extreme logits: their output symbols, and the
#: rows (outputs, then targets) built around one logit z (categorical: every class one-hot).
EXTREMES = {"bernoulli": (["f"], lambda z: [(z, y) for y in (0.0, 1.0)]),
            "categorical": (["f_0", "f_1", "f_2"], lambda z: [(z, 0.3, -z / 2, *np.eye(3)[c]) for c in range(3)])}


def _extreme_check(name: str, dtype: torch.dtype) -> dict:
    """The compiled stable loss and its gradient at logits up to |f| = 1e4, vs 50-digit mpmath."""
    outputs, rows_of = EXTREMES[name]
    f = [sp.Symbol(s, real=True) for s in outputs]
    sl = sample_loss(name, f)
    grads = [sp.diff(sl.expr, fj) for fj in f]
    rows = [row for z in _LOGITS for row in rows_of(z)]
    args = list(sl.outputs) + list(sl.targets)
    fn = compile_program(args, [], [sl.expr] + grads, "torch")
    values = fn(*[torch.tensor([r[k] for r in rows], dtype=dtype) for k in range(len(args))])
    worst, finite = 0.0, True
    for expr, got in zip([sl.expr] + grads, values):
        exact = [float(expr.xreplace(dict(zip(args, map(sp.Float, r)))).evalf(50)) for r in rows]
        finite &= bool(torch.isfinite(got).all())
        worst = max(worst, compare("extreme", got, torch.tensor(exact, dtype=torch.float64), 0.0).max_rel)
    tol = TOLERANCES[dtype]
    kind = str(dtype).replace("torch.", "")
    return record(f"{name}: stable loss and gradient finite and accurate for |f| <= 1e4 ({kind})", "stability",
                  worst, finite and worst <= tol, f"{kind} vs mpmath 50 digits, relative error")


def _parts(r, parts: list[tuple[str, str]], displays: dict) -> str:
    """Each named part of a recipe: a sentence, then its checked derivation, tagged with its records."""
    return "".join(f"{text}\n{tagged(displays[f'{r.name}: {title}'].latex, displays[f'{r.name}: {title}'].records)}\n"
                   for title, text in parts)


def _section(title: str, r, parts: list[tuple[str, str]], displays: dict) -> str:
    return f"\n\\subsection{{{title}}}\n" + _parts(r, parts, displays)


def _recipe_displays(recipes: dict) -> tuple[dict[str, Display], list[dict]]:
    """One display per part of each recipe, and their records: the least-squares recipe repeats
    the normal recipe's first parts, so a repeated check is one record."""
    displays = {f"{name}: {title}": Display(d.to_latex(), d.records(), d)
                for name, r in recipes.items() for title, d in r.parts.items()}
    first_of: dict[str, dict] = {}
    for display in displays.values():
        display.records = [first_of.setdefault(rec["name"], rec) for rec in display.records]
    return displays, list(first_of.values())


def _worked_examples(bern, normal) -> tuple[list[dict], list[sp.Expr], list[sp.Expr]]:
    """The worked examples, exact: the Bernoulli probabilities at lambda = 0.2 and the minimiser
    of the normal loss for the targets 1, 2, 6. Returns their records, [Pr(y = 0), Pr(y = 1)]
    and the minimisers."""
    lam, y = bern.parameters[0], bern.target
    pmf_values = [bern.pmf.subs({lam: sp.Rational(1, 5), y: v}) for v in (0, 1)]
    records = [record("Bernoulli worked example: Pr(y=0), Pr(y=1) at lambda = 0.2 are 0.8, 0.2", "exact",
                      0.0, pmf_values == [sp.Rational(4, 5), sp.Rational(1, 5)], "exact rational")]
    mu, y_n = normal.parameters[0], normal.target
    targets = (1, 2, 6)
    L_mu = sum(-sp.log(normal.pmf.subs(y_n, t)) for t in targets)
    minimiser = sp.solve(sp.diff(L_mu, mu), mu)
    records.append(record("normal worked example: targets 1, 2, 6 give the minimiser mu = 3 for every sigma",
                          "exact", 0.0, minimiser == [3], "sympy.solve with sigma symbolic"))
    return records, pmf_values, minimiser


def _step_counts(steps: list[dict]) -> dict:
    """How the displayed steps were checked (what the introduction states), from their records:
    how many there are, how many are definitions and SymPy proved, and how the others were
    checked (:func:`derivations.checks.evidence.checked_numerically`)."""
    checked = [r for r in steps if method_class(r) != "definition"]
    proven = [r for r in checked if method_class(r) == "proven"]
    return {"steps": len(steps), "definitions": len(steps) - len(checked), "proven": len(proven),
            "numeric": checked_numerically(checked)}


def _displayed_steps(tex: str, records: list[dict]) -> list[dict]:
    """The derivation-step records behind the displays of ``tex``, once each."""
    by_id = {r["id"]: r for r in records}
    return [by_id[i] for i in tagged_ids(tex) if by_id[i]["kind"] == "derivation-step"]


#: The parts of the built-in Laplace recipe that "Write your own loss" shows.
OWN_PARTS = ("distribution and link", "per-sample loss", "prediction")
#: The network of a registered loss's checks against PyTorch: 2-4-D_o tanh, this many samples.
REGISTERED_SAMPLES = 64


@dataclass
class Registered:
    """A loss a plugin registered, checked: its recipe, the records of its parts and its
    records against PyTorch, and the network they were compared on (in words)."""

    name: str
    recipe: Recipe
    part_records: list[dict]
    torch_records: list[dict]
    network: str


def _registered_checks(name: str, displays: dict) -> Registered:
    """A registered loss checked the way a built-in is: its recipe (one display per part, every
    step checked) and its compiled loss and gradient against PyTorch: autograd of the twin,
    and ``-log_prob`` of its ``torch.distributions`` object when it has one."""
    r = checked_recipe(name)
    part_records = []
    for title, d in r.parts.items():
        displays[f"{name}: {title}"] = Display(d.to_latex(), d.records(), d)
        part_records += displays[f"{name}: {title}"].records
    spec = NetworkSpec((2, 4, get_loss(name).model().default_D_o), "tanh")
    network = f"{REGISTERED_SAMPLES} samples, 2-4-{spec.D_o} tanh"
    autograd_name = f"{name}: compiled symbolic outputs, l_i and dL/dphi vs PyTorch autograd of the twin ({network})"
    try:
        comparisons = gradient_check(spec, name, I=REGISTERED_SAMPLES, seed=0, paths=("layers",))
    except Exception as exc:  # the plugin's own torch code failed: a failed check, not a lost topic
        failed = record(autograd_name, "symbolic-vs-torch", float("inf"), False, "float64, relative error",
                        id=f"registered-{slug(name)}.autograd", detail=f"{type(exc).__name__}: {exc}")
        return Registered(name, r, part_records, [failed], network)
    oracle = [c for c in comparisons if "torch.distributions" in c.name]
    autograd = [c for c in comparisons if c not in oracle]
    torch_records = [record(autograd_name, "symbolic-vs-torch", max(c.max_rel for c in autograd),
                            all(c.passed for c in autograd), "float64, relative error",
                            id=f"registered-{slug(name)}.autograd")]
    torch_records += [record(f"{name}: compiled symbolic l_i vs -log_prob of its torch.distributions object "
                             f"({network})", "symbolic-vs-torch", c.max_rel, c.passed, "float64, relative error",
                             id=f"registered-{slug(name)}.torch-distributions") for c in oracle]
    return Registered(name, r, part_records, torch_records, network)


def _registered_tex(loss: Registered, displays: dict) -> str:
    """The section of a registered loss: its recipe part by part, then its checks against PyTorch."""
    shown = escape(loss.name)
    support = escape(get_loss(loss.name).support.name)
    worst = [f"{rec['max_error']:.1e} against "
             + ("autograd of the twin" if rec["id"].endswith(".autograd") else r"\texttt{torch.distributions}")
             for rec in loss.torch_records]
    return _section(rf"A registered loss: \texttt{{{shown}}}", loss.recipe, [
        ("distribution and link", rf"The loss \texttt{{{shown}}} was registered by a plugin (\texttt{{--plugin}}) "
                                  rf"by its density over the support \emph{{{support}}} and its link; the recipe "
                                  r"engine derives the rest, checking each step:"),
        ("likelihood", r"Over $I$ independent samples:"),
        ("per-sample loss", "Per sample, down to the form that is compiled:"),
        ("prediction", "The prediction:"),
    ], displays) + (f"Appended to a network's program ({loss.network}), the compiled loss and its gradient "
                    f"agree with PyTorch in float64 to a relative error of at most " + " and ".join(worst) + ".\n")


def build(ctx: TopicContext) -> TopicResult:
    recipes = {name: checked_recipe(name) for name in CHECK_WIDTHS}
    displays, records = _recipe_displays(recipes)
    bern, normal = recipes["bernoulli"], recipes["normal"]
    example_records, pmf_values, minimiser = _worked_examples(bern, normal)
    records += example_records

    # The network's loss for the lecture's 1-3-1 ReLU network.
    network = network_loss_derivation(NetworkSpec((1, 3, 1), "relu"), "bernoulli")
    network.check()
    displays["network loss"] = Display(network.to_latex(), network.records(), network)
    records += displays["network loss"].records

    # Compiled symbolic losses vs the torch twin; stability at extreme logits.
    twins = [_twin_check(name, seed) for seed, name in enumerate(CHECK_WIDTHS)]
    records += twins
    records += [_extreme_check(name, dtype) for name in EXTREMES
                for dtype in (torch.float64, torch.float32)]

    figures = [ctx.save_figure(bernoulli_nll_figure(bern), "losses_bernoulli"),
               ctx.save_figure(normal_likelihood_figure(normal), "losses_normal")]

    # A loss from a density and a link alone: the recipe engine's derivation of the Laplace loss,
    # the same road a lecturer's register_loss takes.
    own = checked_recipe("laplace")
    for title in OWN_PARTS:
        d = own.parts[title]
        displays[f"laplace: {title}"] = Display(d.to_latex(), d.records(), d)
        records += displays[f"laplace: {title}"].records
    own_methods = sorted({s.check.method for t in OWN_PARTS for s in own.parts[t].steps if s.checked})

    # The losses a plugin registered travel the same road, after the built-ins (whose ids stay).
    registered = [_registered_checks(name, displays) for name in LOSSES if not get_loss(name).builtin]
    for loss in registered:
        records += loss.part_records + loss.torch_records

    assign_ids(SLUG, records)
    body = (_bernoulli_tex(bern, displays, pmf_values, figures[0])
            + _regression_tex(normal, recipes["least-squares"], displays, minimiser, figures[1])
            + _others_tex(recipes, displays) + _network_tex(displays["network loss"], twins)
            + _own_tex(own, displays, own_methods)
            + "".join(_registered_tex(loss, displays) for loss in registered))
    tex = _intro_tex(_step_counts(_displayed_steps(body, records))) + body
    return TopicResult(SLUG, TITLE, tex, figures, records, displays)


# ----- the LaTeX, section by section ---------------------------------------------------------
def _intro_tex(counts: dict) -> str:
    return rf"""\section{{{TITLE}}}
A loss function measures how badly the model's predictions fit the training data. The lecture
builds loss functions by \emph{{maximum likelihood}}: instead of predicting an output $y$
directly, the network predicts the parameters $\boldsymbol\theta = f[\mathbf{{x}}, \boldsymbol\phi]$
of a conditional distribution $\Pr(y \mid \boldsymbol\theta)$, and we choose the parameters
$\boldsymbol\phi$ that make the training outputs most probable. The recipe:
\begin{{enumerate}}
\item choose a distribution $\Pr(y \mid \boldsymbol\theta)$ over the output space;
\item let the network predict its parameters, $\boldsymbol\theta_i = f[\mathbf{{x}}_i, \boldsymbol\phi]$;
\item minimise the negative log-likelihood
  $L[\boldsymbol\phi] = -\sum_{{i=1}}^{{I}} \log \Pr(y_i \mid f[\mathbf{{x}}_i, \boldsymbol\phi]) = \sum_i \ell_i$
  (the logarithm turns a product of small numbers into a sum, the minus sign a maximisation
  into a minimisation).
\end{{enumerate}}
To predict for a new $\mathbf{{x}}$ we return the whole distribution, or its maximum. Below,
each line is either a definition (the distribution, the link, a name: {counts["definitions"]} of the
{counts["steps"]} steps, stated, not proven) or a step that was checked: SymPy proved {counts["proven"]}
symbolically{" and " + escape(counts["numeric"]) if counts["numeric"] else ""}. Each per-sample chain ends at exactly the expression that is
compiled for training and evaluation.
"""


def _bernoulli_tex(bern, displays: dict, pmf_values: list[sp.Expr], figure: str) -> str:
    return _section("Binary classification: the Bernoulli distribution", bern, [
        ("distribution and link", r"The output space is $y \in \{0, 1\}$; the sigmoid turns the network's output "
                                  r"into a probability:"),
        ("likelihood", r"Over $I$ independent samples:"),
        ("per-sample loss", r"One sample's loss, written so that it can be computed for any logit: the naive binary "
                            r"cross-entropy rounds $1 - \mathrm{sig}[f]$ to 0 for large $f$ and becomes infinite "
                            r"(Figure~\ref{fig:losses-bernoulli})."),
        ("prediction", r"The prediction is the more probable class:"),
    ], displays) + rf"""
For example, with $\lambda = 0.2$ the distribution gives $\Pr(y = 0) = {latex(pmf_values[0])}$ and
$\Pr(y = 1) = {latex(pmf_values[1])}$, so $\hat y = 0$; a network output $f = 0$ gives
$\lambda = 1/2$ and the loss $\log 2$ for either label.
\begin{{figure}}[ht]
\centering
\includegraphics[width=\textwidth]{{{figure}}}
\caption{{Left: the Bernoulli per-sample loss against the logit $f$, in its stable form
$\mathrm{{softplus}}[f] - y f$ (lines) and as the naive cross-entropy evaluated in float64
(dots; it becomes infinite or undefined beyond the dotted lines). Right: the link
$\lambda = \mathrm{{sig}}[f]$ and the prediction rule.}}
\label{{fig:losses-bernoulli}}
\end{{figure}}
"""


def _regression_tex(normal, ls, displays: dict, minimiser: list[sp.Expr], figure: str) -> str:
    return _section("Regression: the normal distribution and least squares", normal, [
        ("distribution and link", "For real outputs the network predicts the mean of a normal distribution:"),
        ("likelihood", "The negative log-likelihood:"),
        ("per-sample loss", "Per sample:"),
        ("prediction", "The prediction is the mean:"),
    ], displays) + _parts(ls, [
        ("least squares", "Dropping the constant and the factor gives least squares, with the same minimiser:"),
        ("per-sample loss", "Per sample:"),
    ], displays) + rf"""
With targets $1, 2, 6$ and one predicted mean $\mu$, $\partial L / \partial \mu = 0$ gives
$\mu = {latex(minimiser[0]) if minimiser else "?"}$ whatever $\sigma$ is (Figure~\ref{{fig:losses-normal}}).
\begin{{figure}}[ht]
\centering
\includegraphics[width=\textwidth]{{{figure}}}
\caption{{Left: the normal densities at three targets; their product is the likelihood. Right: the
negative log-likelihood as a function of the predicted mean, for three values of $\sigma$ (shifted
to 0 at the minimum): the minimiser, the mean of the targets, does not depend on $\sigma$.}}
\label{{fig:losses-normal}}
\end{{figure}}
"""


def _others_tex(recipes: dict, displays: dict) -> str:
    het, cat, poi = (recipes[n] for n in ("heteroscedastic-normal", "categorical", "poisson"))
    return _section("Heteroscedastic regression", het, [
        ("distribution and link", r"When the noise depends on the input, the network predicts the variance too "
                                  r"(outputs $(\mu_1, \dots, \mu_n, s_1, \dots, s_n)$, variance $e^{s}$):"),
        ("per-sample loss", "Per sample:"),
        ("prediction", "The prediction:"),
    ], displays) + _section("Multiclass classification: the categorical distribution", cat, [
        ("distribution and link", r"With $D_o$ classes (here three) the softmax turns the outputs into probabilities:"),
        ("likelihood", "The negative log-likelihood is the multiclass cross-entropy:"),
        ("per-sample loss", "Per sample, in the stable form:"),
        ("prediction", "The prediction:"),
    ], displays) + _section("Counts: the Poisson distribution", poi, [
        ("distribution and link", r"For counts $y = 0, 1, 2, \dots$ the network predicts a positive rate:"),
        ("per-sample loss", "Per sample:"),
        ("prediction", "The prediction:"),
    ], displays)


def _network_tex(network: Display, twins: list[dict]) -> str:
    """The network's loss; the compiled losses against PyTorch (``twins``: one record per loss
    compared) and at extreme logits."""
    twin_worst = max(r["max_error"] for r in twins)
    compared = ", ".join(rf"\texttt{{{escape(r['loss'])}}}" for r in twins)
    return rf"""
\subsection{{The loss of a network}}
For a network the total loss is the sum of the per-sample losses over the training set, each
written in the network's outputs. For the lecture's 1-3-1 ReLU network and binary targets:
{tagged(network.latex, network.records)}
This last expression, appended to the network's forward program, is what is compiled; on
random networks and data it agrees with PyTorch's built-in losses (summed over samples, with
the exact $\log y!$ for Poisson) to a relative error of at most {twin_worst:.1e} in float64 for
each of the {len(twins)} losses compared ({compared}); for the Bernoulli and categorical losses the stable forms and their
gradients stay finite and accurate (against 50-digit values) for logits up to $|f| = 10^4$ in
float32 and float64, checked at 8 logits from $-10^4$ to $10^4$.
"""


def _own_tex(own, displays: dict, own_methods: list[str]) -> str:
    return _section("Write your own loss", own, [
        ("distribution and link", r"The recipe is general: any distribution over the output space will do. A lecturer "
                                  r"registers one by its density and its link (\texttt{examples/my\_losses.py}):"
                                  r" \texttt{register\_loss} with the density $e^{-|y - \mu|/b}/(2b)$, the "
                                  r"target $y$, the link $\mu = f_1$, $b = e^{f_2}$, two outputs and the support "
                                  r"\emph{real}, "
                                  r"and the recipe engine derives the rest, checking each step; a density that does "
                                  r"not integrate to one, or a link that lets $b \le 0$, is refused. For the "
                                  r"built-in Laplace loss:"),
        ("per-sample loss", "The per-sample loss, compiled for training:"),
        ("prediction", "The prediction is the mode:"),
    ], displays) + (r"The checks above used: " + "; ".join(m.replace("_", r"\_") for m in own_methods) + r". The "
                    r"book's other distributions (Student's t, a mixture of normals, exponential, gamma, beta, von "
                    r"Mises, the multivariate normal with a Cholesky factor, Plackett--Luce over rankings) are "
                    r"built in the same way and cross-checked against \texttt{torch.distributions}." + "\n")


if __name__ == "__main__":
    sys.exit(topic_main(build))
