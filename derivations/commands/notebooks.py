"""``deepderive notebooks``: one Jupyter notebook per topic, from the same topic objects.

    deepderive notebooks --out notebooks [--topics shallow,losses] [--execute]
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="notebooks", metavar="DIR", help="output folder (default: notebooks)")
    parser.add_argument("--topics", metavar="T,...", default=None,
                        help="comma-separated subset of topics, in the lecture's order (default: all)")
    parser.add_argument("--execute", action="store_true",
                        help="run every notebook with nbclient and store its outputs")


def run(args: argparse.Namespace) -> int:
    from derivations.commands.common import held_progress
    from derivations.lecture import parse_topics
    from derivations.tex import OutputFolder

    topics = parse_topics(args.topics)
    try:
        from derivations.documents.notebooks import build_notebooks
        import jupytext  # noqa: F401
        import nbformat  # noqa: F401
        if args.execute:
            import nbclient  # noqa: F401
    except ModuleNotFoundError as exc:
        raise ValueError(f"the notebooks need {exc.name}: pip install \"deepderive[notebooks]\"") from None
    folder = OutputFolder(args.out)  # checked whole (no links, no FIFOs) before any work
    with held_progress() as say:  # progress reaches stderr only if the notebooks were written
        result = build_notebooks(folder, topics, execute=args.execute, progress=say)
    print(f"notebooks: {len(result.notebooks)} written"
          + (f", {len(result.executed)} executed, {len(result.failed)} failed" if args.execute else "")
          + f", {result.seconds:.1f} s; in {result.out}")
    for path, error in result.failed:
        print(f"FAILED: {path.name}: {error}")
    return 1 if result.failed else 0
