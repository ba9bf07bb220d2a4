"""What the notes say about the checked exercise (``derivations.topics.exercises_example``)."""

from __future__ import annotations

from derivations.tex import escape
from derivations.topics.texts import fill

__all__ = ["section"]

SECTION = r"""\section{@title}
\texttt{deepderive exercises} writes a problem sheet and worked solutions for every student,
with numbers drawn for that student, and \texttt{deepderive check} checks a student's answer
(LaTeX as these notes print it, or plain text) and names the likely mistake. Here is the first
exercise of the student \texttt{@student} (seed @seed):

\begin{quote}
@question
\end{quote}
The worked solution, every step proven in exact arithmetic, the output cross-checked against
the PyTorch twin:
@solution_tex
The checker accepts the answer $@right$ (its test: @test). Forgetting the
ReLU of an inactive unit gives $@wrong$; the checker answers
\emph{``@feedback''}, because that answer is the exercise's reference with the
ReLU left out (one of the mutated references it compares a wrong answer with: a sign error,
a factor of 2, a mean instead of a sum, a dropped constant, the derivative of the wrong
activation, regions counted as joints, swapped indices).
"""


def section(*, title: str, student: str, seed: int, question: str, solution_tex: str, right: str, method: str,
            wrong: str, feedback: str) -> str:
    """The section: the exercise, its worked solution, the checker on a right answer (``method``:
    its test) and on a wrong one (``feedback``: what the checker answered)."""
    return fill(SECTION, title=title, student=student, seed=seed, question=question, solution_tex=solution_tex,
                right=right, test=escape(method).replace(" (absolute)", ", absolute"), wrong=wrong,
                feedback=escape(feedback))
