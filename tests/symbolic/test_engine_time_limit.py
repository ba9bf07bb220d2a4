"""The recipe engine's SymPy attempts stop on CPU time, so a busy machine prints the same derivation."""

import time

from symbolic.losses.engine import _attempt


def test_waiting_does_not_count_against_an_attempt():
    """A wait (the machine busy with other processes looks like this to the attempt) is not work."""
    assert _attempt(lambda: (time.sleep(1.3), "finished")[1], seconds=1) == "finished"


def test_work_past_the_limit_stops_the_attempt():
    def spin():
        end = time.process_time() + 5
        while time.process_time() < end:
            pass
        return "not stopped"

    started = time.process_time()
    assert _attempt(spin, seconds=1) is None
    assert time.process_time() - started < 3
