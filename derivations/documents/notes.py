"""The notes builder: every lecture topic, in the lecture's order, into one LaTeX document.

    deepderive notes --out DIR [--device auto|cpu|cuda] [--no-pdf] [--topics T,...] [--html] [--no-appendix]

Writes ``DIR/notes.tex``, ``DIR/figures/``, ``DIR/verification.json`` (a list of checks,
each with ``name``, ``kind``, ``max_error``, ``passed``) and, when ``pdflatex`` is on the
PATH, ``DIR/notes.pdf``; with ``--no-appendix`` the verification tables are not the notes'
last section but a document of their own, ``DIR/verification.tex`` (and ``.pdf``), so that a
handout ends with the lecture; with ``--html`` also the web pages ``DIR/html/``
(:mod:`derivations.documents.web.site`). Any failed check is marked in the notes and makes the command
exit 1.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from derivations.checks.records import json_default
from derivations.lecture import TOPICS, parse_topics  # noqa: F401  (the notes' topics; re-exported)
from derivations.tex import PDFLATEX_HINT, OutputFolder, compile_pdf, escape
from derivations.topics.topic import TopicResult, run_topics
from derivations.checks.evidence import evidence_summary

__all__ = ["TOPICS", "NotesResult", "build_notes", "run_topics", "parse_topics", "latex_document",
           "verification_document", "read_appendix", "compile_pdf"]

@dataclass
class NotesResult:
    out: Path
    topics: list[TopicResult] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    pdf: Path | None = None
    html: Path | None = None
    verification_pdf: Path | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(r["passed"] for r in self.records)


def build_notes(
    out: str | os.PathLike | OutputFolder,
    topics: Sequence[str] | None = None,
    device: str = "cpu",
    pdf: bool = True,
    progress: Callable[[str], None] | None = None,
    html: bool = False,
    cache: bool = False,
    paper: str = "a4",
    appendix: bool = True,
) -> NotesResult:
    """Run the topics, write notes.tex, verification.json, (with pdflatex) notes.pdf and
    (with ``html``) the web pages ``html/index.html``. ``cache``: reuse the topics' stored
    results and the PDF when nothing they depend on changed (``OUT/.cache``); ``appendix``
    False: the verification tables go to verification.tex/.pdf instead of the notes' end."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    folder = out if isinstance(out, OutputFolder) else OutputFolder(out)
    out = folder.path
    say = progress or (lambda line: None)
    result = NotesResult(out)
    start = time.perf_counter()
    result.topics, result.records = run_topics(folder, topics, device, say, svg=html, cache=cache)
    folder.write_text("notes.tex", latex_document(result.topics, result.records, paper, appendix))
    if not appendix:
        folder.write_text("verification.tex", verification_document(result.topics, result.records, paper))
    # The verification tables as written, read back against the records they list (a record of its own).
    tables = (out / ("notes.tex" if appendix else "verification.tex")).read_text(encoding="utf-8")
    intro = (out / "notes.tex").read_text(encoding="utf-8")
    result.records.append(read_appendix(tables, result.records, intro))
    if pdf:
        if shutil.which("pdflatex"):
            pdf_key = _pdf_key(out) if cache else None
            if pdf_key is not None and _pdf_cached(folder, pdf_key):
                result.pdf = out / "notes.pdf"
                say(f"{result.pdf} is up to date (notes.tex and the figures unchanged)")
            else:
                result.pdf = compile_pdf(out / "notes.tex", folder)
                if pdf_key is not None:
                    _pdf_store(folder, pdf_key)
                say(f"wrote {result.pdf}")
            if not appendix:  # the tables alone: a few seconds, not cached
                result.verification_pdf = compile_pdf(out / "verification.tex", folder)
                say(f"wrote {result.verification_pdf}")
        else:
            say(PDFLATEX_HINT)
    if html:
        from derivations.documents.web.site import write_site

        result.html = write_site(folder, result.topics, result.records)  # adds the web pages' own checks
        say(f"wrote {result.html}")
    # Every check of this run: the topics' (listed in the PDF's appendix too) and the web pages'.
    folder.write_text("verification.json", json.dumps(result.records, indent=1, default=json_default) + "\n")
    result.seconds = time.perf_counter() - start
    return result


def _pdf_key(out: Path) -> str:
    """SHA-256 of what notes.pdf is made from: notes.tex and every file under figures/."""
    h = hashlib.sha256((out / "notes.tex").read_bytes())
    figures = out / "figures"
    for path in sorted(figures.rglob("*")) if figures.is_dir() else ():
        if path.is_file() and not path.is_symlink():
            h.update(path.relative_to(out).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


_PDF_ENTRY = ".cache/notes-pdf.json"


def _pdf_cached(folder: OutputFolder, key: str) -> bool:
    """notes.pdf was compiled from exactly these sources and is the file that compile wrote."""
    try:
        entry = json.loads((folder.path / _PDF_ENTRY).read_text(encoding="utf-8"))
        pdf = (folder.path / "notes.pdf").read_bytes()
    except (OSError, ValueError):
        return False
    return isinstance(entry, dict) and entry.get("key") == key and entry.get("pdf") == hashlib.sha256(pdf).hexdigest()


def _pdf_store(folder: OutputFolder, key: str) -> None:
    digest = hashlib.sha256((folder.path / "notes.pdf").read_bytes()).hexdigest()
    folder.folder(".cache")
    folder.write_text(_PDF_ENTRY, json.dumps({"key": key, "pdf": digest}) + "\n")


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
\renewcommand*\l@section[2]{\addpenalty{\@secpenalty}\addvspace{0.25em \@plus\p@}\setlength\@tempdima{1.5em}%
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


def _format_error(value: float) -> str:
    if value != value or value == float("inf"):
        return r"$\infty$"
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.1e}".split("e")
    return rf"${mantissa}\times10^{{{int(exponent)}}}$"


def _passed_cell(r: dict) -> str:
    return "--" if r.get("method") == "definition" else ("yes" if r["passed"] else r"\textbf{NO}")


def _table_row(r: dict) -> str:
    """One record's row, its id in a comment at the end (the read-back pairs them by it)."""
    method = escape(r.get("method") or r["kind"])
    return (f"{escape(_shorten(r['name']))} & {method} & {_format_error(r['max_error'])} & {_passed_cell(r)} \\\\"
            f" % {r.get('id', '')}")


def _chunks(rows: list[dict], lines_per_table: int) -> list[list[dict]]:
    """Split table rows so each table fits a page (a long check name wraps in its column)."""
    chunks: list[list[dict]] = [[]]
    used = 0
    for r in rows:
        height = max(1, -(-len(_shorten(r["name"])) // 62), -(-len(r.get("method") or r["kind"]) // 24))  # words wrap early
        if chunks[-1] and used + height > lines_per_table:
            chunks.append([])
            used = 0
        chunks[-1].append(r)
        used += height
    return chunks


def verification_tables(records: list[dict], titles: dict[str, str] | None = None, lines_per_table: int = 56) -> str:
    """The verification appendix: one table per topic (split into chunks that fit a page)."""
    out = [r"\section*{Verification}", r"\addcontentsline{toc}{section}{Verification}",
           "Every derived equality and every symbolic-versus-PyTorch check behind these notes, "
           "with its method and the largest error seen (relative, unless the method says otherwise). "
           f"{sum(r['passed'] for r in records if r.get('method') != 'definition')} of "
           f"{sum(r.get('method') != 'definition' for r in records)} checks passed; rows marked "
           "``definition'' state a definition (a distribution, a link, a name) and are not checks."]
    failed = [r for r in records if not r["passed"]]
    if failed:
        out.append(r"\par\textbf{FAILED CHECKS:} " + "; ".join(escape(r["name"]) for r in failed) + ".")
    titles = titles or {}
    for topic, rows in _by_topic(records).items():
        for start, chunk in enumerate(_chunks(rows, lines_per_table)):
            body = "\n".join(_table_row(r) for r in chunk)
            caption = escape(titles.get(topic, topic)) + (" (continued)" if start else "")
            out.append(
                f"\\subsection*{{{caption}}}\n\\begin{{center}}\\scriptsize\n"
                "\\begin{tabular}{@{}p{0.50\\textwidth}p{0.24\\textwidth}rc@{}}\n\\toprule\n"
                "check & method & largest error & passed\\\\\n\\midrule\n"
                f"{body}\n\\bottomrule\n\\end{{tabular}}\n\\end{{center}}"
            )
    return "\n\n".join(out)


_ROW = re.compile(r"^(?P<cells>.*?) \\\\ % (?P<id>\S*)$")
_ERROR = re.compile(r"^\$(-?\d\.\d)\\times10\^\{(-?\d+)\}\$$")


def _read_error(cell: str, value: float) -> str:
    """'' when the printed largest error states ``value`` (to half a unit of its printed digit)."""
    if cell == r"$\infty$":
        return "" if value != value or value == float("inf") else f"printed infinity, the record has {value!r}"
    if cell == "0":
        return "" if value == 0 else f"printed 0, the record has {value!r}"
    m = _ERROR.match(cell)
    if not m:
        return f"printed {cell!r}, not an error"
    printed, half = float(m.group(1)) * 10.0 ** int(m.group(2)), 0.05 * 10.0 ** int(m.group(2))
    return "" if abs(printed - value) <= half * (1 + 1e-9) else f"printed {cell}, the record has {value!r}"


def _read_row(cells: list[str], r: dict) -> str:
    """'' when a printed row states record ``r``: its name (cut as :func:`_shorten` cuts), method,
    largest error and verdict; a definition's "--" hides no failure."""
    if len(cells) != 4:
        return f"printed {len(cells)} cells, not 4"
    name, method, error, passed = (" ".join(c.split()) for c in cells)
    if name != " ".join(escape(_shorten(r["name"])).split()):
        return f"printed the name {name!r}, the record's is {r['name']!r}"
    if method != " ".join(escape(r.get("method") or r["kind"]).split()):
        return f"printed the method {method!r}, the record's is {r.get('method') or r['kind']!r}"
    if passed == "--" and not r["passed"]:
        return "printed '--' (a definition) for a record that failed"
    if passed != _passed_cell(r):
        return f"printed the verdict {passed!r}, the record {'passed' if r['passed'] else 'failed'}"
    return _read_error(error, float(r["max_error"]))


def read_appendix(tex: str, records: list[dict], intro: str = "") -> dict:
    """The read-back record of the verification tables written in ``tex`` against the
    ``records`` they list: every record a row (in order, by its id), each row's name, method,
    largest error and verdict the record's, and the counts the appendix (and the notes'
    ``intro``, when given) state: checks passed, checks in all, definitions, failures."""
    from derivations.checks.verdicts import record

    listed = [r for topic in _by_topic(records).values() for r in topic]
    start = tex.find(r"\section*{Verification}")
    tex = tex[start:] if start >= 0 else ""  # the appendix (its count sentence, its tables)
    intro = intro.partition(r"\tableofcontents")[0]  # the notes' opening paragraph
    rows = [line for table in re.findall(r"check & method & largest error & passed\\\\\n\\midrule\n(.*?)\n"
                                         r"\\bottomrule", tex, re.S) for line in table.split("\n") if line.strip()]
    problems = []
    if len(rows) != len(listed):
        problems.append(f"printed {len(rows)} rows, {len(listed)} records")
    for k, (line, r) in enumerate(zip(rows, listed), start=1):
        m = _ROW.match(line)
        if not m or m.group("id") != r.get("id", ""):
            problems.append(f"row {k}: printed {line[-60:]!r}, the record's id is {r.get('id')!r}")
            continue
        problem = _read_row(re.split(r"(?<!\\)&", m.group("cells")), r)
        if problem:
            problems.append(f"row {k} ({r.get('id')}): {problem}")
    checks = [r for r in records if r.get("method") != "definition"]
    passed, failed = sum(r["passed"] for r in checks), sum(not r["passed"] for r in records)
    stated = re.search(r"(\d+) of (\d+) checks passed", tex)
    if not stated or (int(stated.group(1)), int(stated.group(2))) != (passed, len(checks)):
        problems.append(f"the appendix states {stated.group(0) if stated else 'no count'}, the records: "
                        f"{passed} of {len(checks)} checks passed")
    if ("FAILED CHECKS" in tex) != bool(failed):
        problems.append(f"the appendix {'lists' if 'FAILED CHECKS' in tex else 'lists no'} failed checks, "
                        f"{failed} records failed")
    if intro:
        status = re.search(r"All (\d+) checks passed|(\d+) of (\d+) checks FAILED", intro)
        definitions = re.search(r"\((\d+) more records are definitions\)", intro)
        said = ((0, int(status.group(1))) if status and status.group(1) else
                (int(status.group(2)), int(status.group(3))) if status else None)
        if said != (failed, len(checks)):
            problems.append(f"the notes state {status.group(0) if status else 'no status'}, the records: "
                            f"{failed} of {len(checks)} checks failed")
        if int(definitions.group(1) if definitions else 0) != len(records) - len(checks):
            problems.append(f"the notes state {definitions.group(1) if definitions else 0} definitions, the records "
                            f"{len(records) - len(checks)}")
    method = f"read back from the written tables: {len(rows)} rows by id, the counts"
    return record("notes: the verification tables as written list every record", "readback",
                  0.0 if not problems else float("inf"), not problems, method, topic="notes", id="notes.appendix",
                  **({"detail": problems[0]} if problems else {}))


def _by_topic(records: list[dict]) -> dict[str, list[dict]]:
    """The records grouped by topic, in the order the appendix lists them."""
    topics: dict[str, list[dict]] = {}
    for r in records:
        topics.setdefault(r.get("topic", ""), []).append(r)
    return topics


def _shorten(name: str, limit: int = 140) -> str:
    """Cut long check names, never inside ``$...$`` math."""
    if len(name) <= limit:
        return name
    cut = name[:limit]
    if cut.count("$") % 2:
        cut = cut[: cut.rindex("$")]
    return cut.rstrip(" ,;") + "..."


#: Paper sizes ``--paper`` takes, as LaTeX class options (the text block fits both).
PAPERS = {"a4": "a4paper", "letter": "letterpaper"}


def _preamble(paper: str) -> str:
    if paper not in PAPERS:
        raise ValueError(f"--paper must be one of {', '.join(PAPERS)}, got {paper!r}")
    return PREAMBLE.replace(r"\documentclass[11pt]{article}", rf"\documentclass[11pt,{PAPERS[paper]}]{{article}}", 1)


def latex_document(topics: list[TopicResult], records: list[dict], paper: str = "a4", appendix: bool = True) -> str:
    """The whole notes document: preamble, contents, every topic, the verification tables
    (``appendix`` False: a pointer to verification.pdf instead, :func:`verification_document`);
    ``paper`` one of :data:`PAPERS` (A4 by default, as outside North America)."""
    preamble = _preamble(paper)
    where = "the Verification section" if appendix else r"\texttt{verification.pdf}"
    failed = [r for r in records if not r["passed"]]
    definitions = sum(1 for r in records if r.get("method") == "definition")
    checked = len(records) - definitions
    status = (rf"All {checked} checks passed" if not failed
              else rf"\textbf{{{len(failed)} of {checked} checks FAILED}} (see {where})")
    status += f" ({definitions} more records are definitions)." if definitions else "."
    count = f"{len(topics)} topic" + ("" if len(topics) == 1 else "s")
    intro = (rf"\noindent These notes follow the lecture on deep learning, in {count} (the contents below). "
             r"Every equation was derived by SymPy, and each is tagged with "
             rf"the checks behind it ({where} lists them, with their method). "
             + escape(evidence_summary(records)) + " " + status)
    body = [preamble, intro, r"\setcounter{tocdepth}{1}", r"\tableofcontents", r"\clearpage"]
    for topic in topics:
        body.append(topic.latex)
        body.append(r"\clearpage")
    if appendix:
        body.append(verification_tables(records, {t.slug: t.title for t in topics}))
    else:
        body.append(r"\section*{Verification}" "\n" rf"The {checked} checks behind these notes, with their method "
                    r"and largest error, are listed in \texttt{verification.pdf} (and, one record per check, in "
                    r"\texttt{verification.json}); the ids in the \texttt{\% check:} lines of \texttt{notes.tex} "
                    r"name them.")
    body.append(r"\end{document}")
    return "\n\n".join(body) + "\n"


def verification_document(topics: list[TopicResult], records: list[dict], paper: str = "a4") -> str:
    """The verification tables as a document of their own (``notes --no-appendix``)."""
    preamble = _preamble(paper).replace(r"{\LARGE Deep learning: derivations, checked\par}",
                                        r"{\LARGE Deep learning: the checks behind the notes\par}", 1)
    return "\n\n".join([preamble, verification_tables(records, {t.slug: t.title for t in topics}),
                         r"\end{document}"]) + "\n"


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
