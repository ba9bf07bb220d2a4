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
from derivations.topics.texts import exercises_example as text
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from derivations.checks.records import tagged

TITLE = "Exercises, checked"
SLUG = "exercises_example"
STUDENT, SEED, KIND = "example", 0, "shallow-output"


def build(ctx: TopicContext) -> TopicResult:
    import random

    from derivations.exercises.checker import check_answer

    topic, make = load_kinds()[KIND]
    ex = make(random.Random(f"{SEED}:{STUDENT}:{KIND}"))
    records, blocks = _check_records(STUDENT, "E01", ex)
    entry = exercise_record("E01", ex)
    wrong_feedback, wrong = ex.mistakes[0]
    shown = [(answer_latex(ex.answer, ex.kind), True, "correct"),
             (answer_latex(wrong, ex.kind), False, wrong_feedback)]
    for k, (answer, expected, feedback) in enumerate(shown, start=1):
        result = check_answer(entry, answer)
        records.append(record(f"checker on the answer ${answer}$: {'correct' if result.correct else 'incorrect'} "
                              f"({result.feedback})", "answer-check", 0.0,
                              result.correct == expected and result.feedback == feedback, result.method,
                              id=f"{STUDENT}/E01/answer-{k}"))
    derivation = next(b for b in ex.solution if not isinstance(b, str))
    solution_records = [r for r in records if r["id"] in blocks[0]]
    tex = text.section(title=TITLE, student=STUDENT, seed=SEED, question=ex.question,
                       solution_tex=tagged(derivation.to_latex(), solution_records), right=shown[0][0],
                       method=records[-2]["method"], wrong=shown[1][0], feedback=wrong_feedback)
    displays = {"solution": Display(derivation.to_latex(), solution_records, derivation)}
    return TopicResult(SLUG, TITLE, tex, [], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
