r"""LaTeX as a student reads it in a plain-text file: ``\phi_0`` -> ``phi_0``, ``\frac{a}{b}`` -> ``a/b``.

Feedback in ``answers.json`` carries its mathematics as LaTeX between ``$`` signs ("you
dropped the output bias $\phi_0$"); a feedback file, a terminal or a CSV cell shows it as
plain text. :func:`readable` turns every ``$...$`` of a sentence into that text and
:func:`latex_to_text` does it for one formula. Display only: nothing is parsed into an
expression, so any input gives some text (unknown commands lose their backslash).

>>> print(readable(r"you dropped the output bias $\phi_0$"))
you dropped the output bias phi_0
>>> print(latex_to_text(r"\frac{a + 1}{b}"))
(a + 1)/b
>>> print(latex_to_text(r"\mathrm{ReLU}\left[\theta_{10} + \theta_{11} x\right]"))
ReLU[theta_10 + theta_11 x]
>>> print(readable(r"not every activation pattern is a region: $D$ hyperplanes give fewer than $2^D$ regions"))
not every activation pattern is a region: D hyperplanes give fewer than 2^D regions
"""

from __future__ import annotations

import re

__all__ = ["readable", "latex_to_text"]

#: Longest text rendered (a feedback string of the key is at most 20,000 characters).
MAX_TEXT = 50_000
#: Nested groups resolved at most this deep (each pass resolves the innermost ones).
_MAX_PASSES = 60

#: Commands written as a word or symbol of their own.
_SYMBOLS = {
    "cdot": "*", "times": "*", "leq": "<=", "le": "<=", "geq": ">=", "ge": ">=", "neq": "!=", "ne": "!=",
    "to": "->", "rightarrow": "->", "infty": "inf", "dots": "...", "ldots": "...", "cdots": "...",
    "mid": "|", "in": "in", "approx": "~", "pm": "+-", "prime": "'", "lbrace": "{", "rbrace": "}",
    "{": "{", "}": "}", "|": "|", "%": "%", "#": "#", "&": "&", "_": "_", "quad": " ", "qquad": " ",
    "partial": "d", "nabla": "grad", "ell": "l",
}
#: Commands whose argument is shown as it is (a font, a size, an operator name).
_WRAPPERS = ("mathrm", "mathit", "mathbf", "mathcal", "mathbb", "mathsf", "mathtt", "boldsymbol", "bm",
             "operatorname", "text", "textrm", "textit", "textbf", "texttt", "emph", "mbox", "hat", "tilde",
             "bar", "vec", "overline")
#: Commands that only size a delimiter or space the formula.
_DROP = ("left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
         "displaystyle", "textstyle", "middle", "limits", "nolimits")
_GROUP = r"\{([^{}]*)\}"
_SIMPLE = re.compile(r"[A-Za-z0-9.']+|\\?[A-Za-z]+")


def _wrap(text: str) -> str:
    """``text`` in parentheses when it holds an operator or a space (for a fraction's parts)."""
    text = text.strip()
    return text if _SIMPLE.fullmatch(text) or not re.search(r"[\s+\-*/,]", text) else f"({text})"


def _script(mark: str, text: str) -> str:
    text = text.strip()
    return mark + (text if re.fullmatch(r"[A-Za-z0-9]+", text) else f"({text})")


def latex_to_text(latex: str) -> str:
    r"""One LaTeX formula as plain text (fractions ``a/b``, scripts ``x_10``, ``e^(-f)``,
    commands without their backslash).

    >>> print(latex_to_text(r"e^{-f} \cdot \sqrt{2 \pi \sigma^{2}}"))
    e^(-f) * sqrt(2 pi sigma^2)
    >>> print(latex_to_text(r"\log{\left(y! \right)}"))
    log(y!)
    """
    text = str(latex)[:MAX_TEXT]
    text = re.sub(r"\\(?:" + "|".join(_DROP) + r")(?![A-Za-z])", "", text)
    text = re.sub(r"\\[,;:! ]|~", " ", text)
    text = re.sub(r"\\([{}|%#&_])", lambda m: {"{": "\x01", "}": "\x02"}.get(m.group(1), m.group(1)), text)
    for _ in range(_MAX_PASSES):
        before = text
        text = re.sub(r"\\[dt]?frac\s*" + _GROUP + r"\s*" + _GROUP,
                      lambda m: f"\x03{_wrap(m.group(1))}/{_wrap(m.group(2))}\x04", text)
        text = re.sub(r"\\sqrt\s*" + _GROUP, lambda m: f"\x03sqrt({m.group(1).strip()})\x04", text)
        text = re.sub(r"\\(?:" + "|".join(_WRAPPERS) + r")\s*" + _GROUP, lambda m: m.group(1), text)
        text = re.sub(r"([_^])\s*" + _GROUP, lambda m: _script(m.group(1), m.group(2)), text)
        text = re.sub(r"\\(?!(?:[dt]?frac|sqrt)(?![A-Za-z]))([A-Za-z]+)\s*" + _GROUP,
                      lambda m: f"\x03{m.group(1)}({m.group(2).strip()})\x04", text)
        text = re.sub(r"(?<![\\A-Za-z}])" + _GROUP, lambda m: m.group(1), text)
        if text == before:
            break
    text = re.sub(r"\\(?:" + "|".join(_WRAPPERS) + r")(?![A-Za-z])\s*", "", text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: f"\x03{_SYMBOLS.get(m.group(1), m.group(1))}\x04", text)
    text = text.replace("\x04\x03", " ")  # a word after a word keeps a space
    text = re.sub(r"(?<=[A-Za-z0-9)\]])\x03", " ", text)
    text = re.sub(r"\x04(?=[A-Za-z0-9\\])", " ", text)
    text = text.replace("\x03", "").replace("\x04", "")
    text = text.replace("{", "(").replace("}", ")").replace("\x01", "{").replace("\x02", "}")
    text = re.sub(r"\(\s*\(([^()]*)\)\s*\)", r"(\1)", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([)\]!,])", r"\1", re.sub(r"([(\[])\s+", r"\1", text))
    return re.sub(r"(^|[(\[,=]\s*)- (?=[0-9A-Za-z(])", r"\1-", text)  # "- 51/4" -> "-51/4"


def readable(text: str) -> str:
    r"""A sentence with its ``$...$`` formulas as plain text (:func:`latex_to_text`), on one line.

    >>> print(readable(r"you dropped the inner derivative $c$ (chain rule: $d(cz)/dz = c$)"))
    you dropped the inner derivative c (chain rule: d(cz)/dz = c)
    """
    parts = str(text)[:MAX_TEXT].split("$")
    if len(parts) % 2 == 0:  # an unpaired $: the rest is text
        parts[-2:] = ["$".join(parts[-2:])]
    out = [p if i % 2 == 0 else latex_to_text(p) for i, p in enumerate(parts)]
    return " ".join("".join(out).split())
