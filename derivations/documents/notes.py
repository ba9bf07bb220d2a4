"""The notes builder: every lecture topic, in the lecture's order, into one LaTeX document.

    deepderive notes --out DIR [--device auto|cpu|cuda] [--no-pdf] [--topics T,...] [--html]

Writes ``DIR/notes.tex``, ``DIR/figures/``, ``DIR/verification.json`` (a list of checks,
each with ``name``, ``kind``, ``max_error``, ``passed``) and, when ``pdflatex`` is on the
PATH, ``DIR/notes.pdf``; with ``--html`` also the web pages ``DIR/html/``
(:mod:`derivations.documents.web.site`). Any failed check is marked in the notes and makes the command
exit 1.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence, TextIO

from derivations.tex import OutputFolder, OutputFolderError, compile_pdf
from derivations.topics.topic import TopicContext, TopicResult, record
from derivations.checks.evidence import evidence_summary
from derivations.checks.records import assign_ids

__all__ = ["TOPICS", "NotesResult", "build_notes", "run_topics", "parse_topics", "latex_document", "compile_pdf",
           "held_progress"]

#: Topic modules (``derivations.<name>``) in the lecture's order.
TOPICS: tuple[str, ...] = (
    "shallow",
    "activations",
    "hidden_units",
    "piecewise_linear",
    "universal_approximation",
    "deep_networks",
    "counts_regions",
    "depth",
    "losses",
    "gradient_descent",
    "sgd",
    "backprop",
    "exercises_example",
)

PDFLATEX_HINT = ("pdflatex not found: notes.tex and figures are written, but no notes.pdf; install a LaTeX "
                 "toolchain (Debian: apt-get install texlive-latex-base texlive-latex-recommended) to get the PDF")


def parse_topics(text: str | None) -> list[str]:
    """``"shallow,losses"`` -> validated topic names in the lecture's order (None: all)."""
    if text is None:
        return list(TOPICS)
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise ValueError(f"--topics needs at least one topic; choose from {', '.join(TOPICS)}")
    for name in names:
        if name not in TOPICS:
            import difflib

            close = difflib.get_close_matches(name, TOPICS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown topic {name!r}{hint}; choose from {', '.join(TOPICS)}")
    return [t for t in TOPICS if t in names]


@dataclass
class NotesResult:
    out: Path
    topics: list[TopicResult] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    pdf: Path | None = None
    html: Path | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(r["passed"] for r in self.records)


def _load(name: str) -> Callable[[TopicContext], TopicResult]:
    return importlib.import_module(f"derivations.{name}").build


def build_notes(
    out: str | os.PathLike | OutputFolder,
    topics: Sequence[str] | None = None,
    device: str = "cpu",
    pdf: bool = True,
    progress: Callable[[str], None] | None = None,
    html: bool = False,
) -> NotesResult:
    """Run the topics, write notes.tex, verification.json, (with pdflatex) notes.pdf and
    (with ``html``) the web pages ``html/index.html``."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    folder = out if isinstance(out, OutputFolder) else OutputFolder(out)
    out = folder.path
    say = progress or (lambda line: None)
    result = NotesResult(out)
    start = time.perf_counter()
    result.topics, result.records = run_topics(folder, topics, device, say, svg=html)
    folder.write_text("notes.tex", latex_document(result.topics, result.records))
    folder.write_text("verification.json", json.dumps(result.records, indent=1, default=_json_default) + "\n")
    if pdf:
        if shutil.which("pdflatex"):
            result.pdf = compile_pdf(out / "notes.tex", folder)
            say(f"wrote {result.pdf}")
        else:
            say(PDFLATEX_HINT)
    if html:
        from derivations.documents.web.site import write_site

        result.html = write_site(folder, result.topics, result.records)
        say(f"wrote {result.html}")
    result.seconds = time.perf_counter() - start
    return result


def run_topics(out: Path | OutputFolder, topics: Sequence[str] | None = None, device: str = "cpu",
               say: Callable[[str], None] = lambda line: None, svg: bool = False
               ) -> tuple[list[TopicResult], list[dict]]:
    """Build the topics in the lecture's order into ``out`` (figures under ``out/figures``): the
    topic objects every output (notes, slides, notebooks) is made from, and all their records.
    A topic that crashes becomes a failed record, reported, not hidden; a write the output
    folder refuses (a planted link, a full disk) stops the run. ``svg``: figures also as SVG
    (for the web notes)."""
    names = list(topics) if topics is not None else list(TOPICS)
    folder = out if isinstance(out, OutputFolder) else OutputFolder(out)
    ctx = TopicContext(folder.path, device, svg=svg)
    results: list[TopicResult] = []
    records: list[dict] = []
    for i, name in enumerate(names, start=1):
        t0 = time.perf_counter()
        try:
            topic = _load(name)(ctx)
        except OutputFolderError:  # the folder, not the topic: bad input (exit 2)
            raise
        except Exception as exc:  # a crashing topic is a failed check, reported, not hidden
            message = f"{type(exc).__name__}: {exc}"
            topic = TopicResult(name, name, rf"\section{{{_escape(name)}}}" + "\n" + r"\textbf{This topic failed to build:} "
                                + _escape(message), [], [record(f"topic {name} builds", "topic", float("inf"), False,
                                                               "run", detail=message)])
        for r in topic.records:
            r.setdefault("topic", topic.slug)
        assign_ids(topic.slug, topic.records)  # ids the topic did not give itself
        results.append(topic)
        records += topic.records
        failed = sum(not r["passed"] for r in topic.records)
        status = "ok" if not failed else f"{failed} FAILED"
        say(f"[{i}/{len(names)}] {topic.title}: {len(topic.records)} checks {status} ({time.perf_counter() - t0:.1f} s)")
    return results, records


def _json_default(value):
    if isinstance(value, float):
        return value
    return str(value)


# ----- LaTeX -----------------------------------------------------------------------------

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage{bm}
\usepackage{booktabs}
\usepackage{graphicx}
\setlength{\textwidth}{15.5cm}
\setlength{\oddsidemargin}{0.2cm}
\setlength{\evensidemargin}{0.2cm}
\setlength{\textheight}{22.5cm}
\setlength{\topmargin}{-1cm}
\allowdisplaybreaks
\setlength{\emergencystretch}{2em}  % prose with unbreakable \texttt names: stretch, do not overflow
% The contents fit the first page: sections listed closer together than article's 1em.
\makeatletter
\renewcommand*\l@section[2]{\addpenalty{\@secpenalty}\addvspace{0.4em \@plus\p@}\setlength\@tempdima{1.5em}%
  \begingroup\parindent\z@\rightskip\@pnumwidth\parfillskip-\@pnumwidth\leavevmode\bfseries
  \advance\leftskip\@tempdima\hskip-\leftskip #1\nobreak\hfil\nobreak\hb@xt@\@pnumwidth{\hss #2}\par\endgroup}
\makeatother
\begin{document}
\begin{center}
{\LARGE Deep learning: derivations, checked\par}
\vspace{0.4em}
{\large Lecture notes generated by deepderive\par}
\end{center}
\vspace{0.5em}
"""


def _escape(text: str) -> str:
    """Escape LaTeX specials outside ``$...$`` math."""
    parts = re.split(r"(\$[^$]*\$)", str(text))
    out = []
    for part in parts:
        if part.startswith("$") and part.endswith("$") and len(part) > 1:
            out.append(part)
            continue
        for ch, rep in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("#", r"\#"), ("_", r"\_"),
                        ("{", r"\{"), ("}", r"\}"), ("^", r"\^{}"), ("~", r"\~{}"), ("<=", r"$\le$"), (">=", r"$\ge$"), ("<", r"$<$"),
                        (">", r"$>$"), ("|", r"$|$")):
            part = part.replace(ch, rep)
        out.append(part)
    return "".join(out)


def _format_error(value: float) -> str:
    if value != value or value == float("inf"):
        return r"$\infty$"
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.1e}".split("e")
    return rf"${mantissa}\times10^{{{int(exponent)}}}$"


def _table_row(r: dict) -> str:
    passed = "--" if r.get("method") == "definition" else ("yes" if r["passed"] else r"\textbf{NO}")
    method = _escape(r.get("method") or r["kind"])
    return f"{_escape(_shorten(r['name']))} & {method} & {_format_error(r['max_error'])} & {passed} \\\\"


def _chunks(rows: list[dict], lines_per_table: int) -> list[list[dict]]:
    """Split table rows so each table fits a page (a long check name wraps in its column)."""
    chunks: list[list[dict]] = [[]]
    used = 0
    for r in rows:
        height = max(1, -(-len(_shorten(r["name"])) // 62), -(-len(r.get("method") or r["kind"]) // 30))
        if chunks[-1] and used + height > lines_per_table:
            chunks.append([])
            used = 0
        chunks[-1].append(r)
        used += height
    return chunks


def verification_tables(records: list[dict], titles: dict[str, str] | None = None, lines_per_table: int = 64) -> str:
    """The verification appendix: one table per topic (split into chunks that fit a page)."""
    out = [r"\section*{Verification}", r"\addcontentsline{toc}{section}{Verification}",
           "Every derived equality and every symbolic-versus-PyTorch check behind these notes, "
           "with its method and the largest error seen (relative, unless the method says otherwise). "
           f"{sum(r['passed'] for r in records if r.get('method') != 'definition')} of "
           f"{sum(r.get('method') != 'definition' for r in records)} checks passed; rows marked "
           "``definition'' state a definition (a distribution, a link, a name) and are not checks."]
    failed = [r for r in records if not r["passed"]]
    if failed:
        out.append(r"\par\textbf{FAILED CHECKS:} " + "; ".join(_escape(r["name"]) for r in failed) + ".")
    titles = titles or {}
    topics: dict[str, list[dict]] = {}
    for r in records:
        topics.setdefault(r.get("topic", ""), []).append(r)
    for topic, rows in topics.items():
        for start, chunk in enumerate(_chunks(rows, lines_per_table)):
            body = "\n".join(_table_row(r) for r in chunk)
            caption = _escape(titles.get(topic, topic)) + (" (continued)" if start else "")
            out.append(
                f"\\subsection*{{{caption}}}\n\\begin{{center}}\\scriptsize\n"
                "\\begin{tabular}{@{}p{0.50\\textwidth}p{0.24\\textwidth}rc@{}}\n\\toprule\n"
                "check & method & largest error & passed\\\\\n\\midrule\n"
                f"{body}\n\\bottomrule\n\\end{{tabular}}\n\\end{{center}}"
            )
    return "\n\n".join(out)


def _shorten(name: str, limit: int = 140) -> str:
    """Cut long check names, never inside ``$...$`` math."""
    if len(name) <= limit:
        return name
    cut = name[:limit]
    if cut.count("$") % 2:
        cut = cut[: cut.rindex("$")]
    return cut.rstrip(" ,;") + "..."


def latex_document(topics: list[TopicResult], records: list[dict]) -> str:
    """The whole notes document: preamble, contents, every topic, the verification tables."""
    failed = [r for r in records if not r["passed"]]
    definitions = sum(1 for r in records if r.get("method") == "definition")
    checked = len(records) - definitions
    status = (rf"All {checked} checks passed" if not failed
              else rf"\textbf{{{len(failed)} of {checked} checks FAILED}} (see the Verification section)")
    status += f" ({definitions} more records are definitions)." if definitions else "."
    intro = (r"\noindent These notes follow the lecture on deep learning: shallow networks, activation functions, "
             r"linear regions, deep networks, loss functions from maximum likelihood, gradient descent, stochastic "
             r"gradient descent and backpropagation. Every equation was derived by SymPy, and each is tagged with "
             r"the checks behind it (the Verification section lists them, with their method). "
             + evidence_summary(records) + " " + status)
    body = [PREAMBLE, intro, r"\tableofcontents", r"\clearpage"]
    for topic in topics:
        body.append(topic.latex)
        body.append(r"\clearpage")
    body.append(verification_tables(records, {t.slug: t.title for t in topics}))
    body.append(r"\end{document}")
    return "\n\n".join(body) + "\n"


def overfull_boxes(log_text: str, tolerance_pt: float = 2.0) -> list[str]:
    """The ``Overfull \\hbox``/``\\vbox`` lines of a pdflatex log that stick out more than
    ``tolerance_pt`` points.

    >>> overfull_boxes("Overfull \\\\hbox (1.5pt too wide) in paragraph\\nOverfull \\\\hbox (3.1pt too wide) detected")
    ['Overfull \\\\hbox (3.1pt too wide) detected']
    """
    out = []
    for line in log_text.splitlines():
        m = re.match(r"Overfull \\[hv]box \(([\d.]+)pt too (?:wide|high)\)", line)
        if m and float(m.group(1)) > tolerance_pt:
            out.append(line)
    return out


def latex_problems(log_text: str) -> list[str]:
    """Errors, undefined references and overfull boxes worth reporting from a pdflatex log."""
    problems = [line for line in log_text.splitlines() if line.startswith("!")]
    problems += [line for line in log_text.splitlines() if "undefined" in line.lower() and "Warning" in line]
    return problems


def main_progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextlib.contextmanager
def held_progress(stream: TextIO | None = None) -> Iterator[Callable[[str], None]]:
    """A progress callback for a command that may still fail: its lines reach ``stream``
    (stderr) only when the block succeeds, so that a failure (exit 2) leaves its one
    ``error:`` line alone. On a terminal each line is shown meanwhile as a status line,
    rewritten in place and cleared when the block ends.

    >>> import io
    >>> err = io.StringIO()
    >>> with held_progress(err) as say:
    ...     say("[1/2] shallow: 5 checks ok")
    >>> err.getvalue()
    '[1/2] shallow: 5 checks ok\\n'
    """
    stream = stream or sys.stderr
    live = bool(getattr(stream, "isatty", lambda: False)())
    width = max(20, shutil.get_terminal_size().columns - 1)
    held: list[str] = []

    def say(line: str) -> None:
        held.append(line)
        if live:
            stream.write("\r\x1b[K" + line[:width])
            stream.flush()

    try:
        yield say
    finally:
        if live and held:
            stream.write("\r\x1b[K")
            stream.flush()
    for line in held:  # reached only when the block succeeded
        stream.write(line + "\n")
    stream.flush()
