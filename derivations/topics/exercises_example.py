"""Topic: exercises, checked (one generated exercise, its checked solution, and a checked
wrong answer with the checker's feedback).

    python -m derivations.topics.exercises_example --out DIR

The exercise is what ``deepderive exercises`` gives the student ``example`` with seed 0; the
answers shown are run through the same checker as ``deepderive check``.
"""

from __future__ import annotations

import sys

from derivations.exercises import load_kinds
from derivations.exercises.base import answer_latex
from derivations.exercises.build import _check_records, exercise_record
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from derivations.checks.records import tagged

TITLE = "Exercises, checked"
SLUG = "exercises_example"
STUDENT, SEED, KIND = "example", 0, "shallow-output"


def build(ctx: TopicContext) -> TopicResult:
    import random

    from derivations.exercises.checker import check_answer
    from derivations.tex import escape as _escape

    topic, make = load_kinds()[KIND]
    ex = make(random.Random(f"{SEED}:{STUDENT}:{KIND}"))
    records, blocks = _check_records(STUDENT, "E01", ex)
    entry = exercise_record("E01", ex)
    wrong_feedback, wrong = ex.mistakes[0]
    shown = [(answer_latex(ex.answer, ex.kind), True, "correct"),
             (answer_latex(wrong, ex.kind), False, wrong_feedback)]
    for k, (text, expected, feedback) in enumerate(shown, start=1):
        result = check_answer(entry, text)
        records.append(record(f"checker on the answer ${text}$: {'correct' if result.correct else 'incorrect'} "
                              f"({result.feedback})", "answer-check", 0.0,
                              result.correct == expected and result.feedback == feedback, result.method,
                              id=f"{STUDENT}/E01/answer-{k}"))
    derivation = next(b for b in ex.solution if not isinstance(b, str))
    ids = blocks[0]
    right, wrong_check = records[-2], records[-1]
    tex = rf"""\section{{{TITLE}}}
\texttt{{deepderive exercises}} writes a problem sheet and worked solutions for every student,
with numbers drawn for that student, and \texttt{{deepderive check}} checks a student's answer
(LaTeX as these notes print it, or plain text) and names the likely mistake. Here is the first
exercise of the student \texttt{{{STUDENT}}} (seed {SEED}):

\begin{{quote}}
{ex.question}
\end{{quote}}
The worked solution, every step proven in exact arithmetic, the output cross-checked against
the PyTorch twin:
{tagged(derivation.to_latex(), [r for r in records if r["id"] in ids])}
The checker accepts the answer ${shown[0][0]}$ (its test: {_escape(right['method']).replace(' (absolute)', ', absolute')}). Forgetting the
ReLU of an inactive unit gives ${shown[1][0]}$; the checker answers
\emph{{``{_escape(wrong_feedback)}''}}, because that answer is the exercise's reference with the
ReLU left out (one of the mutated references it compares a wrong answer with: a sign error,
a factor of 2, a mean instead of a sum, a dropped constant, the derivative of the wrong
activation, regions counted as joints, swapped indices).
"""
    displays = {"solution": Display(derivation.to_latex(), [r for r in records if r["id"] in ids], derivation)}
    return TopicResult(SLUG, TITLE, tex, [], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
