"""``deepderive notebooks``: one Jupyter notebook per topic, from the same topic objects;
with ``--exercises``, the notebooks students work in and their solutions.

    deepderive notebooks --out notebooks [--topics shallow,losses] [--execute]
    deepderive notebooks --out notebooks --exercises [--topics shallow,losses] [--execute]
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="notebooks", metavar="DIR", help="output folder (default: notebooks)")
    parser.add_argument("--topics", metavar="T,...", default=None,
                        help="comma-separated subset of topics, in the lecture's order (default: all)")
    parser.add_argument("--execute", action="store_true",
                        help="run every notebook with nbclient and store its outputs")
    parser.add_argument("--exercises", action="store_true",
                        help="write the exercise notebooks (TODO cells and checks) and their solutions instead: "
                             "<topic>_exercises.ipynb and <topic>_solutions.ipynb, for the topics that have them")


def run(args: argparse.Namespace) -> int:
    from derivations.commands.common import held_progress
    from derivations.lecture import parse_topics
    from derivations.tex import OutputFolder

    topics = parse_topics(args.topics)
    if args.exercises:
        from derivations.documents.exercise_tasks import TOPIC_TASKS

        missing = [t for t in topics if t not in TOPIC_TASKS] if args.topics is not None else []
        if missing:
            raise ValueError(f"no exercise notebook for {', '.join(missing)}; exercise notebooks exist for "
                             f"{', '.join(TOPIC_TASKS)}")
        topics = [t for t in topics if t in TOPIC_TASKS]
    try:
        from derivations.documents.notebooks import build_notebooks
        import nbformat  # noqa: F401
        if not args.exercises:
            import jupytext  # noqa: F401
        if args.execute:
            import nbclient  # noqa: F401
    except ModuleNotFoundError as exc:
        raise ValueError(f"the notebooks need {exc.name}: pip install \"deepderive[notebooks]\"") from None
    folder = OutputFolder(args.out)  # checked whole (no links, no FIFOs) before any work
    with held_progress() as say:  # progress reaches stderr only if the notebooks were written
        if args.exercises:
            from derivations.documents.exercise_notebooks import build_exercise_notebooks

            result = build_exercise_notebooks(folder, topics, execute=args.execute, progress=say)
        else:
            result = build_notebooks(folder, topics, execute=args.execute, progress=say)
    print(f"notebooks: {len(result.notebooks)} written"
          + (f", {len(result.executed)} executed, {len(result.failed)} failed" if args.execute else "")
          + f", {result.seconds:.1f} s; in {result.out}")
    for path, error in result.failed:
        print(f"FAILED: {path.name}: {error}")
    return 1 if result.failed else 0
