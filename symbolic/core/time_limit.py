"""A limit on the time a block of work may take, by interval timers and a signal handler.

Used where SymPy may not finish (a normalisation integral, a student's answer): the block is
stopped by an exception raised from the timer's signal handler. Two hazards come with such an
exception, and both are handled here:

- Raised inside a garbage-collector callback or a ``__del__`` method it is *unraisable*: Python
  swallows it and prints "Exception ignored in ..." to stderr (a command's stderr must hold one
  ``error:`` line and nothing else). So the collector is paused for the block (reference
  counting still frees memory; cycles wait until the block ends), and an unraisable timeout is
  dropped silently instead of printed.
- A swallowed timeout would leave the block running for ever: the timers repeat after their
  first alarm, so the next one stops it.

Only in the main thread (signals are delivered there); elsewhere the block runs without a limit.
"""

from __future__ import annotations

import contextlib
import gc
import signal
import sys
import threading
from typing import Iterator

__all__ = ["time_limit"]

#: Seconds between repeated alarms once the first has fired.
_REPEAT_SECONDS = 0.05


@contextlib.contextmanager
def time_limit(cpu_seconds: float, exception: type[BaseException],
               wall_seconds: float | None = None, user_time_only: bool = False) -> Iterator[None]:
    """Raise ``exception()`` in the block after ``cpu_seconds`` of this process's CPU time
    (``ITIMER_PROF``: user and system; ``ITIMER_VIRTUAL``, user time only, with
    ``user_time_only``), or after ``wall_seconds`` of wall-clock time when given (``ITIMER_REAL``,
    a backstop for work that waits instead of computing).

    Each timer exists once per process: a limit nested in another must use the other timer
    (the recipe engine's attempts use user time, so they may run inside an answer check)."""
    if (threading.current_thread() is not threading.main_thread() or cpu_seconds <= 0
            or not hasattr(signal, "setitimer")):
        yield
        return

    def expire(signum, frame):
        raise exception()

    timers = [(signal.SIGVTALRM, signal.ITIMER_VIRTUAL, cpu_seconds) if user_time_only
              else (signal.SIGPROF, signal.ITIMER_PROF, cpu_seconds)]
    if wall_seconds is not None:
        timers.append((signal.SIGALRM, signal.ITIMER_REAL, wall_seconds))

    previous_hook = sys.unraisablehook

    def drop_timeouts(unraisable):
        if not isinstance(unraisable.exc_value, exception):
            previous_hook(unraisable)

    collecting = gc.isenabled()
    gc.disable()
    sys.unraisablehook = drop_timeouts
    previous = [signal.signal(sig, expire) for sig, _, _ in timers]
    try:
        for _, timer, limit in timers:
            signal.setitimer(timer, limit, _REPEAT_SECONDS)
        yield
    finally:
        for (sig, timer, _), handler in zip(timers, previous):
            signal.setitimer(timer, 0)
            signal.signal(sig, handler)
        sys.unraisablehook = previous_hook
        if collecting:
            gc.enable()
