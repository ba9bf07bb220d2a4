"""What a lecture topic produces, and the command line every topic script shares.

A topic script (``derivations/<topic>.py``) is thin: a docstring with the command that
runs it, library calls only, fixed seeds, the Agg backend, everything written under one
output folder. It defines ``TITLE`` and ``build(ctx) -> TopicResult``; the notes builder
(``deepderive notes``) runs them all in the lecture's order.

    python -m derivations.<topic> --out DIR [--device auto|cpu|cuda]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

__all__ = ["TopicContext", "TopicResult", "align", "topic_main", "record"]


@dataclass
class TopicContext:
    """Where a topic writes (``out/``, ``out/figures/``) and which device trains."""

    out: Path
    device: str = "cpu"
    seed: int = 0
    svg: bool = False  # also write figures/<stem>.svg (for the web notes)

    @property
    def figures(self) -> Path:
        path = self.out / "figures"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def save_figure(self, fig, stem: str) -> str:
        """Save a matplotlib figure as PDF (for LaTeX), PNG (for screens) and, for the web
        notes, SVG; return the PDF's path relative to ``out`` for ``\\includegraphics``."""
        import matplotlib.pyplot as plt

        fig.savefig(self.figures / f"{stem}.pdf", bbox_inches="tight")
        fig.savefig(self.figures / f"{stem}.png", dpi=120, bbox_inches="tight")
        if self.svg:
            fig.savefig(self.figures / f"{stem}.svg", bbox_inches="tight")
        plt.close(fig)
        return f"figures/{stem}.pdf"


@dataclass
class TopicResult:
    """A topic's LaTeX fragment (starting with ``\\section``), figures and checks."""

    slug: str
    title: str
    latex: str
    figures: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r["passed"] for r in self.records)


def record(name: str, kind: str, max_error: float, passed: bool, method: str = "", **extra: Any) -> dict[str, Any]:
    """One verification record (DESIGN.md: ``name``, ``kind``, ``max_error``, ``passed``)."""
    return {"name": name, "kind": kind, "max_error": float(max_error), "passed": bool(passed), "method": method, **extra}


def align(lines: list[str]) -> str:
    """An ``align*`` block of equations given as ``"lhs = rhs"`` strings (aligned at the first =)."""
    return "\\begin{align*}\n" + "\\\\\n".join(line.replace(" = ", " &= ", 1) for line in lines) + "\n\\end{align*}"


def topic_main(build: Callable[[TopicContext], TopicResult], argv: list[str] | None = None) -> int:
    """The command line of a single topic script: writes ``<slug>.tex`` and ``<slug>.json``."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    parser = argparse.ArgumentParser(description=(build.__module__ or "topic"))
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    args = parser.parse_args(argv)
    try:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        if args.device != "cpu":
            from numeric.model import resolve_device

            resolve_device(args.device)
        result = build(TopicContext(out, args.device))
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    (out / f"{result.slug}.tex").write_text(result.latex + "\n")
    (out / f"{result.slug}.json").write_text(json.dumps(result.records, indent=1) + "\n")
    failed = [r for r in result.records if not r["passed"]]
    print(f"{result.title}: {len(result.records)} checks, {len(failed)} failed; wrote {out / (result.slug + '.tex')}")
    return 1 if failed else 0
