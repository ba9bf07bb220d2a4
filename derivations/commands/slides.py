"""``deepderive slides``: the lecture as a Beamer deck, its equations from the checked topics.

    deepderive slides --out slides [--topics shallow,losses] [--no-pdf] [--device auto|cpu|cuda]
                      [--title T] [--subtitle S] [--author A] [--institute I] [--date D]
                      [--aspect 16:9|4:3] [--handout] [--lecture FILE.yaml]
"""

from __future__ import annotations

import argparse

from derivations.documents.deck import Deck

HELP = "build the lecture's slides: Beamer slides.tex, figures, verification.json and slides.pdf"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="slides", metavar="DIR", help="output folder (default: slides)")
    parser.add_argument("--topics", metavar="T,...", default=None,
                        help="only the slides that draw on these topics (default: the whole lecture)")
    parser.add_argument("--no-pdf", action="store_true", help="skip pdflatex even when it is installed")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                        help="where the worked examples train (default auto: CUDA when available)")
    defaults = Deck()
    for name, what in (("title", "the title slide's title"), ("subtitle", "its subtitle"),
                       ("author", "the lecturer"), ("institute", "the institution"), ("date", "the date line")):
        parser.add_argument(f"--{name}", default=getattr(defaults, name), metavar=name[0].upper(),
                            help=f"{what} (set as plain text; default: {getattr(defaults, name)!r})")
    parser.add_argument("--aspect", default="16:9", choices=["16:9", "4:3"], help="slide shape (default 16:9)")
    parser.add_argument("--handout", action="store_true",
                        help="Beamer's handout mode, four slides per A4 page, for printing")
    parser.add_argument("--lecture", metavar="FILE.yaml", default=None,
                        help="your own words for the slides, kept apart from the code: replace or add a slide's "
                             "words, skip a slide, add slides (YAML; see docs/outputs.md)")


def run(args: argparse.Namespace) -> int:
    from derivations.commands.common import held_progress
    from derivations.lecture import parse_topics
    from derivations.tex import OutputFolder

    topics = None if args.topics is None else parse_topics(args.topics)  # before torch is imported
    from derivations.lecture import LECTURE

    lecture = LECTURE
    if args.lecture is not None:  # the lecturer's file, checked whole before any work
        from derivations.documents.lecture_file import apply_lecture_file, read_lecture_file

        lecture = apply_lecture_file(LECTURE, read_lecture_file(args.lecture))

    from derivations.documents.slides import build_slides
    from numeric.model import resolve_device

    device = str(resolve_device(args.device))
    folder = OutputFolder(args.out)  # checked whole (no links, no FIFOs) before any work
    with held_progress() as say:  # progress reaches stderr only if the slides were written
        deck = Deck(args.title, args.subtitle, args.author, args.institute, args.date, args.aspect, args.handout)
        result = build_slides(folder, topics, device=device, pdf=not args.no_pdf, progress=say, deck=deck,
                              lecture=lecture)
    failed = [r for r in result.records if not r["passed"]]
    print(f"slides: {len(result.slides)} lecture slides from {len(result.topics)} topics, "
          f"{len(result.records)} records, {len(failed)} failed, {result.seconds:.1f} s; "
          f"wrote {result.out / 'slides.tex'}" + (f" and {result.pdf}" if result.pdf else ""))
    for r in failed:
        print(f"FAILED: {r['name']} (max error {r['max_error']:.3g})")
    return 1 if failed else 0
