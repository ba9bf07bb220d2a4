"""A limit on the CPU time of a block of work (checking an answer, reading an answer key).

CPU time, not wall-clock time: a busy machine does not make a check time out; a wall-clock
backstop of :data:`WALL_LIMIT_FACTOR` times the limit catches work that waits.
"""

from __future__ import annotations

import contextlib

from symbolic.core.time_limit import time_limit as _time_limit

__all__ = ["CheckTimeout", "time_limit", "WALL_LIMIT_FACTOR"]

#: The wall-clock backstop, in multiples of the CPU limit (a check that waits instead of computing).
WALL_LIMIT_FACTOR = 20


class CheckTimeout(BaseException):
    """The check ran past its time limit (a BaseException: SymPy's ``except Exception`` must not
    swallow it)."""


def time_limit(seconds: float) -> contextlib.AbstractContextManager[None]:
    """Raise :class:`CheckTimeout` in the block after ``seconds`` of the process's CPU time,
    or :data:`WALL_LIMIT_FACTOR` times that of wall-clock time (see
    :func:`symbolic.core.time_limit.time_limit`: repeated alarms, the collector paused, a
    swallowed timeout never printed). Only in the main thread."""
    return _time_limit(seconds, CheckTimeout, wall_seconds=seconds * WALL_LIMIT_FACTOR)
