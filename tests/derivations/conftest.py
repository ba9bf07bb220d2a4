"""The notes, built once per test run for every module that reads them.

Building every topic takes most of a minute of CPU, and several modules read the notes (the
notes' own tests, the book's forms, the web pages in the browser); each used to build them
again, and again in each xdist worker. Here the first process of the run that asks builds them,
under a file lock in the temporary folder all the run's workers share; the others wait and read
that build.

A module that needs a folder of its own (its own PDF, its own subset of topics) seeds it with the
shared build's topic cache (``OUT/.cache/topics``, :mod:`derivations.topics.cache`, and the
figure files its entries record) and builds with ``cache=True``: the topics load (an entry that
does not verify, or a topic that failed and so was never stored, is built again), and everything
after them (notes.tex, verification.json, the PDF, the web pages and their checks) is assembled
and checked as in any build.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.sampled import WEB_PAGES, full_run


@dataclass(frozen=True)
class SharedBuild:
    """A notes build of the run: its folder (read it, never write to it) and its topics."""

    path: Path
    topics: tuple[str, ...]

    def seed(self, out: Path, topics: Sequence[str] | None = None) -> Path:
        """Copy the build's cache entries of ``topics`` (all by default) and the figure files
        they record into ``out`` (created): what an earlier build of those topics there would
        have left, for a build with ``cache=True`` to load them instead of computing them."""
        from derivations.topics.cache import CACHE_DIR

        (out / CACHE_DIR).mkdir(parents=True, exist_ok=True)
        for name in self.topics if topics is None else topics:
            entry = self.path / CACHE_DIR / f"{name}.json"
            if not entry.is_file():  # a topic that failed is never stored: the build there runs it
                continue
            shutil.copyfile(entry, out / CACHE_DIR / entry.name)
            for file in json.loads(entry.read_text(encoding="utf-8"))["files"]:
                (out / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.path / file, out / file)
        return out


@contextmanager
def _locked(path: Path) -> Iterator[bool]:
    """An exclusive lock on ``path`` (True), or False where the platform has no POSIX locks."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield False
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _shared(tmp_path_factory, name: str, build: Callable[[Path], object]) -> Path:
    """The folder ``name`` of this test run, built by ``build`` in the first process that asks.

    xdist's workers each have a base temporary folder inside the run's; the folder and its lock
    live in the run's, so that one worker builds and the others wait for it. A build that
    raised leaves no mark: the next process to ask builds again (and fails the same way)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    with _locked(root / f"shared-{name}.lock") as locked:
        folder = root / (f"shared-{name}" if locked else f"shared-{name}-{base.name}")
        done = folder / ".built"
        if not done.is_file():
            shutil.rmtree(folder, ignore_errors=True)  # what a build that raised left
            folder.mkdir(parents=True)
            build(folder)
            done.write_text("")
    return folder


@pytest.fixture(scope="session")
def notes_build(tmp_path_factory) -> SharedBuild:
    """Every topic's notes as ``deepderive notes --no-pdf`` writes them (notes.tex,
    verification.json, figures), with the topic cache."""
    from derivations.documents.notes import build_notes
    from derivations.lecture import TOPICS

    folder = _shared(tmp_path_factory, "notes", lambda out: build_notes(out, device="cpu", pdf=False, cache=True))
    return SharedBuild(folder, tuple(TOPICS))


@pytest.fixture(scope="session")
def web_build(request, tmp_path_factory) -> SharedBuild:
    """The web notes (``--html --no-pdf``, SVG figures) of the sampled topics
    (:data:`tests.sampled.WEB_PAGES`), or of every topic in a full run, with the topic cache."""
    from derivations.documents.notes import build_notes
    from derivations.lecture import TOPICS

    full = full_run(request.config)
    topics = tuple(t for t in TOPICS if full or t in WEB_PAGES)  # in the lecture's order
    folder = _shared(tmp_path_factory, "web-all" if full else "web-sample",
                     lambda out: build_notes(out, list(topics), device="cpu", pdf=False, html=True, cache=True))
    return SharedBuild(folder, topics)


HERE = Path(__file__).parent
#: Module fixtures costly enough that xdist's workers should not each set them up (a test module's
#: tests go to whichever worker is free, and each worker sets a module fixture up again): the
#: tests that use one run in one worker (``--dist loadgroup`` in pyproject.toml, one group each).
ONE_WORKER = {
    "test_notes.py": {"notes"},  # the notes assembled and compiled (pdflatex: half a minute)
    "test_web.py": {"site"},
    "test_web_browser.py": {"browser", "site", "notes_site"},  # Chromium, and a site made and read back
    "test_claims_count_records.py": {"losses", "backprop", "solutions"},
    "test_exercises.py": {"exercises", "answers_dir"},  # every kind's exercises for two students: 15 s
    "test_exercises_initialisation.py": {"exercises"},
    "test_exercises_keys.py": {"exercises"},
    "test_cli_fuzz.py": {"finished_run", "answers_file"},
    "test_cli_fuzz_commands.py": {"key"},
}


@pytest.hookimpl(tryfirst=True)  # before xdist's hook reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.parent != HERE:
            continue
        if ONE_WORKER.get(item.path.name, set()) & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
