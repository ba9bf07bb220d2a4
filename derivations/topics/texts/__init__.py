r"""The notes' words of each topic: LaTeX templates with named gaps, one module per topic.

A topic's ``build()`` derives and checks; the module of the same name here holds what the
notes say about it, as LaTeX written the way it prints (single braces), with a gap ``@name``
for every number, display or figure that the checks produced (``@{name}`` when a letter
follows, ``@@`` for a literal ``@``). :func:`fill` fills every gap from named arguments and
refuses a missing or an unused one, so a template and its caller cannot drift apart.

>>> print(fill(r"\section{@title} has $@{n}$ checks.", title="Depth", n=3))
\section{Depth} has $3$ checks.
>>> fill(r"$D = @D$", K=2)
Traceback (most recent call last):
...
ValueError: the template's gaps and the values differ: missing D; unused K
"""

from __future__ import annotations

import string

__all__ = ["TexTemplate", "fill"]


class TexTemplate(string.Template):
    """:class:`string.Template` with ``@`` for its gaps (``$`` is LaTeX's math)."""

    delimiter = "@"


def fill(template: str, /, **values: object) -> str:
    """``template`` with each gap ``@name`` replaced by ``str(values[name])``; every gap needs a
    value and every value a gap (``ValueError`` naming them otherwise)."""
    tex = TexTemplate(template)
    gaps = set(tex.get_identifiers())
    missing, unused = sorted(gaps - set(values)), sorted(set(values) - gaps)
    if missing or unused or not tex.is_valid():
        raise ValueError("the template's gaps and the values differ: "
                         + "; ".join(f"{what} {', '.join(names)}" for what, names in
                                     (("missing", missing), ("unused", unused)) if names)
                         + ("" if tex.is_valid() else "; an @ that starts no gap (write @@)"))
    return tex.substitute(values)
