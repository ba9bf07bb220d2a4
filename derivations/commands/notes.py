"""``deepderive notes``: the whole lecture as checked, compiled lecture notes.

    deepderive notes --out notes [--device auto|cpu|cuda] [--no-pdf] [--topics shallow,losses] [--html] [--paper a4|letter] [--no-cache]
"""

from __future__ import annotations

import argparse

HELP = "build the lecture notes: LaTeX, figures, verification.json and (with pdflatex) notes.pdf"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="notes", metavar="DIR", help="output folder (default: notes)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                        help="where the worked examples train (default auto: CUDA when available)")
    parser.add_argument("--no-pdf", action="store_true", help="skip pdflatex even when it is installed")
    parser.add_argument("--topics", metavar="T,...", default=None,
                        help="comma-separated subset of topics, in the lecture's order (default: all)")
    parser.add_argument("--html", action="store_true",
                        help="also write web pages DIR/html/ (offline, MathML, interactive figures)")
    parser.add_argument("--paper", default="a4", choices=["a4", "letter"],
                        help="paper size of notes.pdf (default a4)")
    parser.add_argument("--no-appendix", action="store_true",
                        help="leave the verification tables out of notes.pdf: write them to verification.tex "
                             "(and verification.pdf) instead, so that a handout ends with the lecture")
    parser.add_argument("--no-cache", action="store_true",
                        help="rebuild every topic and the PDF (default: reuse what DIR/.cache holds for the "
                             "topics and the PDF whose sources did not change)")


def run(args: argparse.Namespace) -> int:
    from derivations.commands.common import held_progress
    from derivations.documents.notes import build_notes
    from derivations.lecture import parse_topics
    from derivations.tex import OutputFolder

    topics = parse_topics(args.topics)  # a bad topic answers before torch is imported

    from numeric.model import resolve_device

    device = str(resolve_device(args.device))
    folder = OutputFolder(args.out)  # checked whole (no links, no FIFOs) before any work
    with held_progress() as say:  # progress reaches stderr only if the notes were written
        result = build_notes(folder, topics, device=device, pdf=not args.no_pdf, progress=say, html=args.html,
                             cache=not args.no_cache, paper=args.paper,
                             appendix=not args.no_appendix)
    failed = [r for r in result.records if not r["passed"]]
    definitions = sum(1 for r in result.records if r.get("method") == "definition")
    print(f"notes: {len(result.topics)} topics, {len(result.records) - definitions} checks "
          f"(+{definitions} definitions), {len(failed)} failed, "
          f"{result.seconds:.1f} s; wrote {result.out / 'notes.tex'}"
          + (f" and {result.pdf}" if result.pdf else "")
          + (f" and {result.verification_pdf}" if result.verification_pdf else "") + (f"; web pages {result.html}" if result.html else ""))
    for r in failed:
        print(f"FAILED: {r['name']} (max error {r['max_error']:.3g})")
    return 1 if failed else 0
