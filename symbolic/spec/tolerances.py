r"""The one table of tolerances: every check of the package reads its bound from here.

Errors are relative to ``max(1, |reference|)`` unless the name says ``ATOL``. Plain Python
(no SymPy, no torch), so every side can import it.

| name | bound | what it bounds |
|---|---|---|
| :data:`DIGITS` | 50 | significant digits of every exact (mpmath) evaluation |
| :data:`EXACT_RTOL` | 1e-25 | two sides evaluated at ``DIGITS`` digits (a step checked numerically, a gradient against ``sympy.diff`` or central differences) |
| :data:`FLOAT64_RTOL` | 1e-12 | float64 outputs and losses against exact values or the float64 torch twin |
| :data:`FLOAT32_RTOL` | 1e-5 | the same in float32 |
| :data:`GRADIENT64_RTOL` | 1e-10 | a float64 gradient of L = sum_i l_i against autograd (sums over samples round) |
| :data:`GRADIENT32_RTOL` | 1e-4 | the same in float32 |
| :data:`TWIN_RTOL` | 1e-10 | an exercise's float64 torch twin against its exact answer |
| :data:`ANSWER_RTOL` | 1e-9 | a student's answer against the reference, both evaluated in floats |
| :data:`ROUNDING_RTOL` | 1e-12 | float rounding slack added to an answer's own precision |
| :data:`IMAGINARY_ATOL` | 1e-12 | imaginary part of a value still taken as real |

Each bound is far below the error of a factor 2, a mean-versus-sum slip or a dropped
constant, which are errors of order 1.

>>> FLOAT64_RTOL < GRADIENT64_RTOL < FLOAT32_RTOL < GRADIENT32_RTOL
True
>>> within(1.0 + 1e-13, 1.0, FLOAT64_RTOL), within(2.0, 1.0, FLOAT64_RTOL)
(True, False)
"""

from __future__ import annotations

__all__ = ["CHECK_SIGMA", "DIGITS", "EXACT_RTOL", "FLOAT64_RTOL", "FLOAT32_RTOL", "GRADIENT64_RTOL", "GRADIENT32_RTOL",
           "TWIN_RTOL", "ANSWER_RTOL", "ROUNDING_RTOL", "IMAGINARY_ATOL", "RTOL", "GRADIENT_RTOL", "within"]

#: Significant digits of every exact (mpmath) evaluation.
DIGITS = 50
#: Two sides evaluated at DIGITS digits agree (numeric step checks, exact witnesses).
EXACT_RTOL = 1e-25
#: float64 / float32 outputs and losses against exact or float64 references.
FLOAT64_RTOL = 1e-12
FLOAT32_RTOL = 1e-5
#: Gradients of the total loss L = sum_i l_i against autograd: a sum over a hundred samples
#: rounds to about 1e-5 of its largest term in float32, hence 1e-4 (a factor 2 or a
#: mean-versus-sum slip is still an error of order 1).
GRADIENT64_RTOL = 1e-10
GRADIENT32_RTOL = 1e-4
#: An exercise's float64 torch twin against its exact answer.
TWIN_RTOL = 1e-10
#: A student's answer against the reference, both evaluated in floats at the same points.
ANSWER_RTOL = 1e-9
#: Float rounding slack added to an answer's stated precision ("to 3 decimal places").
ROUNDING_RTOL = 1e-12
#: The imaginary part of a numeric value below which it is taken as real.
IMAGINARY_ATOL = 1e-12

#: Output/loss and gradient tolerances by dtype name ("float64", "float32").
RTOL = {"float64": FLOAT64_RTOL, "float32": FLOAT32_RTOL}
GRADIENT_RTOL = {"float64": GRADIENT64_RTOL, "float32": GRADIENT32_RTOL}


def within(value: float, reference: float, rtol: float) -> bool:
    """``|value - reference| <= rtol * max(1, |reference|)``, the package's error measure."""
    return abs(value - reference) <= rtol * max(1.0, abs(reference))

#: The fixed sigma of the ``normal`` loss in cross-checks (``verify`` without ``--sigma``).
CHECK_SIGMA = 0.75
