"""A limit on the CPU time of a block of work (checking an answer, reading an answer key).

CPU time, not wall-clock time: a busy machine does not make a check time out; a wall-clock
backstop of :data:`WALL_LIMIT_FACTOR` times the limit catches work that waits.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

__all__ = ["CheckTimeout", "time_limit", "WALL_LIMIT_FACTOR"]

#: The wall-clock backstop, in multiples of the CPU limit (a check that waits instead of computing).
WALL_LIMIT_FACTOR = 20


class CheckTimeout(BaseException):
    """The check ran past its time limit (a BaseException: SymPy's ``except Exception`` must not
    swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`CheckTimeout` in the block after ``seconds`` of the process's CPU time
    (SIGPROF), or :data:`WALL_LIMIT_FACTOR` times that of wall-clock time (SIGALRM). Both
    timers repeat after their first alarm, so a timeout swallowed inside a garbage-collector
    callback still stops the check. Only in the main thread; elsewhere the block runs
    without a limit."""
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def expire(signum, frame):
        raise CheckTimeout()

    timers = ((signal.SIGPROF, signal.ITIMER_PROF, seconds), (signal.SIGALRM, signal.ITIMER_REAL,
                                                              seconds * WALL_LIMIT_FACTOR))
    previous = [signal.signal(sig, expire) for sig, _, _ in timers]
    for _, timer, limit in timers:
        signal.setitimer(timer, limit, 0.05)
    try:
        yield
    finally:
        for (sig, timer, _), handler in zip(timers, previous):
            signal.setitimer(timer, 0)
            signal.signal(sig, handler)
