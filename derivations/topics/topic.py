"""What a lecture topic produces, and the command line every topic script shares.

A topic script (``derivations/topics/<topic>.py``) is thin: a docstring with the command
that runs it, library calls only, fixed seeds, the Agg backend, everything written under one
output folder. It defines ``TITLE`` and ``build(ctx) -> TopicResult``, whose steps are the
lecture's (each group of checks a named function making records with
:mod:`derivations.checks.verdicts`); what the notes say about it is a LaTeX template in
``derivations/topics/texts/<topic>.py``, filled with the numbers and displays the checks
produced. The notes builder (``deepderive notes``) runs the topics in the lecture's order.

    python -m derivations.topics.<topic> --out DIR [--device auto|cpu|cuda]
"""

from __future__ import annotations

import argparse
import importlib
import time
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from derivations.checks.records import assign_ids
from derivations.checks.verdicts import record  # re-exported: topics make their records with it
from derivations.lecture import TOPICS
from derivations.tex import OutputFolder, OutputFolderError, escape

__all__ = ["TopicContext", "TopicResult", "Display", "align", "topic_main", "record", "record_ids", "run_topics"]


@dataclass
class TopicContext:
    """Where a topic writes (``out/``, ``out/figures/``) and which device trains."""

    out: Path
    device: str = "cpu"
    seed: int = 0
    svg: bool = False  # also write figures/<stem>.svg (for the web notes)
    _folder: OutputFolder | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def folder(self) -> OutputFolder:
        """The output folder ``out``, checked when first asked for (every write goes through it)."""
        if self._folder is None or self._folder.path != Path(self.out):
            self._folder = OutputFolder(self.out)
        return self._folder

    @property
    def figures(self) -> Path:
        return self.folder.folder("figures")

    def save_figure(self, fig, stem: str) -> str:
        """Save a matplotlib figure as PDF (for LaTeX), PNG (for screens) and, for the web
        notes, SVG; return the PDF's path relative to ``out`` for ``\\includegraphics``."""
        import matplotlib.pyplot as plt

        try:
            self.folder.save_figure(fig, f"figures/{stem}.pdf", bbox_inches="tight")
            self.folder.save_figure(fig, f"figures/{stem}.png", dpi=120, bbox_inches="tight")
            if self.svg:
                self.folder.save_figure(fig, f"figures/{stem}.svg", bbox_inches="tight")
        finally:
            plt.close(fig)
        return f"figures/{stem}.pdf"


@dataclass
class Display:
    """One displayed equation block of a topic and the verification records behind it.

    The same object feeds every output made from a topic (notes, slides, notebooks):
    ``latex`` is the display as the notes print it (an ``align*`` or ``\\[ \\]`` block),
    ``records`` are the very record dicts of the topic that check (or define) it, and
    ``derivation`` is the :class:`~symbolic.core.derivation.Derivation` it prints, when it is one,
    so that an output can split its steps (a slide deck breaks long derivations).
    """

    latex: str
    records: list[dict[str, Any]] = field(default_factory=list)
    derivation: Any = None

    @property
    def passed(self) -> bool:
        return bool(self.records) and all(r["passed"] for r in self.records)

    @property
    def is_definition(self) -> bool:
        """True when every record behind the display states a definition (nothing to prove)."""
        return bool(self.records) and all(r.get("method") == "definition" for r in self.records)

    def _repr_latex_(self) -> str:
        if self.derivation is not None and hasattr(self.derivation, "_repr_latex_"):
            return self.derivation._repr_latex_()
        body = self.latex.strip()
        for env, inner in (("align*", "aligned"), ("alignat*", "alignedat"), ("equation*", "")):
            body = body.replace(f"\\begin{{{env}}}", f"\\begin{{{inner}}}" if inner else "")
            body = body.replace(f"\\end{{{env}}}", f"\\end{{{inner}}}" if inner else "")
        if body.startswith("\\[") and body.endswith("\\]"):
            body = body[2:-2]
        return "$\\displaystyle " + body + "$"


def record_ids(records: list[dict[str, Any]]) -> list[str]:
    """The verification ids of records (``id``; given by the output builders when missing)."""
    return [str(r["id"]) for r in records if "id" in r]


@dataclass
class TopicResult:
    """A topic's LaTeX fragment (starting with ``\\section``), figures and checks.

    ``displays`` names the topic's displayed equations (``"network"``, ``"bernoulli: likelihood"``)
    so that other outputs (slides, notebooks, web pages) reuse them instead of retyping them.
    """

    slug: str
    title: str
    latex: str
    figures: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    displays: dict[str, Display] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(r["passed"] for r in self.records)


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
        folder = OutputFolder(args.out)
        out = folder.path
        if args.device != "cpu":
            from numeric.model import resolve_device

            resolve_device(args.device)
        result = build(TopicContext(out, args.device))
        folder.write_text(f"{result.slug}.tex", result.latex + "\n")
        folder.write_text(f"{result.slug}.json", json.dumps(result.records, indent=1) + "\n")
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = [r for r in result.records if not r["passed"]]
    print(f"{result.title}: {len(result.records)} checks, {len(failed)} failed; wrote {out / (result.slug + '.tex')}")
    return 1 if failed else 0


def _load(name: str) -> Callable[[TopicContext], TopicResult]:
    return importlib.import_module(f"derivations.topics.{name}").build


def run_topics(out: Path | OutputFolder, topics: Sequence[str] | None = None, device: str = "cpu",
               say: Callable[[str], None] = lambda line: None, svg: bool = False, cache: bool = False
               ) -> tuple[list[TopicResult], list[dict]]:
    """Build the topics in the lecture's order into ``out`` (figures under ``out/figures``): the
    topic objects every output (notes, slides, notebooks) is made from, and all their records.
    A topic that crashes becomes a failed record, reported, not hidden; a write the output
    folder refuses (a planted link, a full disk) stops the run. ``svg``: figures also as SVG
    (for the web notes). ``cache``: reuse a topic's stored result when nothing it depends on
    changed (:mod:`derivations.topics.cache`; its displays then carry LaTeX and records, not
    the derivation objects); never with a plugin loaded."""
    names = list(topics) if topics is not None else list(TOPICS)
    folder = out if isinstance(out, OutputFolder) else OutputFolder(out)
    ctx = TopicContext(folder.path, device, svg=svg)
    store = _cache(folder, ctx) if cache else None
    results: list[TopicResult] = []
    records: list[dict] = []
    for i, name in enumerate(names, start=1):
        t0 = time.perf_counter()
        topic = store.load(name) if store is not None else None
        cached = topic is not None
        if topic is None:
            topic = _build(name, ctx)
            for r in topic.records:
                r.setdefault("topic", topic.slug)
            assign_ids(topic.slug, topic.records)  # ids the topic did not give itself
            if store is not None and topic.passed:
                store.store(name, topic)
        results.append(topic)
        records += topic.records
        failed = sum(not r["passed"] for r in topic.records)
        status = "ok" if not failed else f"{failed} FAILED"
        when = "cached" if cached else f"{time.perf_counter() - t0:.1f} s"
        say(f"[{i}/{len(names)}] {topic.title}: {len(topic.records)} checks {status} ({when})")
    return results, records


def _build(name: str, ctx: TopicContext) -> TopicResult:
    """One topic's result; a crash becomes a failed record, reported, not hidden."""
    try:
        return _load(name)(ctx)
    except OutputFolderError:  # the folder, not the topic: bad input (exit 2)
        raise
    except Exception as exc:  # a crashing topic is a failed check, reported, not hidden
        message = f"{type(exc).__name__}: {exc}"
        return TopicResult(name, name, rf"\section{{{escape(name)}}}" + "\n" + r"\textbf{This topic failed to build:} "
                           + escape(message), [], [record(f"topic {name} builds", "topic", float("inf"), False,
                                                          "run", detail=message)])


def _cache(folder: OutputFolder, ctx: TopicContext):
    """The folder's topic cache, or None while a plugin's activation or loss is registered."""
    from derivations.topics.cache import TopicCache
    from symbolic.spec import ACTIVATIONS, LOSSES

    if any(not ACTIVATIONS.get(n).builtin for n in ACTIVATIONS) or any(not LOSSES.get(n).builtin for n in LOSSES):
        return None
    return TopicCache(folder, {"device": ctx.device, "svg": ctx.svg, "seed": ctx.seed}, TopicResult, Display)
