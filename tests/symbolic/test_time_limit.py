"""The time limit stops a block even when its first alarm lands where Python swallows
exceptions (a ``__del__``), and nothing about it reaches stderr (a CLI error is one line)."""

import gc
import sys
import time

import pytest

from symbolic.core.time_limit import time_limit


class _Stop(Exception):
    pass


class _SlowFinaliser:
    def __del__(self):
        end = time.process_time() + 0.5
        while time.process_time() < end:  # CPU work: the alarm fires in here and is swallowed
            pass


def _spin(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_timeout_swallowed_in_a_finaliser_still_stops_the_block_and_prints_nothing(monkeypatch):
    reported = []  # what Python would print as "Exception ignored in ..."
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    started = time.process_time()
    with pytest.raises(_Stop):
        with time_limit(0.1, _Stop):
            holder = _SlowFinaliser()
            del holder  # __del__ runs now, past the limit: its timeout is unraisable
            _spin(5)
    assert time.process_time() - started < 3
    assert reported == []
    assert sys.unraisablehook == reported.append


def test_other_unraisable_errors_are_still_reported(monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)

    class Broken:
        def __del__(self):
            raise KeyError("not a timeout")

    with time_limit(5, _Stop):
        holder = Broken()
        del holder
    assert [type(r.exc_value) for r in reported] == [KeyError]


def test_the_collector_is_paused_in_the_block_and_resumed_after():
    assert gc.isenabled()
    with time_limit(5, _Stop):
        assert not gc.isenabled()
    assert gc.isenabled()


def test_work_within_the_limit_is_untouched():
    with time_limit(5, _Stop):
        value = sum(range(1000))
    assert value == 499500
