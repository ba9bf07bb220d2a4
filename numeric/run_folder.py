"""The run folder of ``deepderive train --out RUN_DIR``: its whole lifecycle in one place.

A run folder holds only what training writes::

    RUN_DIR/metrics.csv  params.json  summary.json  loss_curve.png  checkpoints/epoch-NNNNNN.pt

One run folder, one writer: while a run trains, its process holds an exclusive lock
(``fcntl.flock``) on ``RUN_DIR/train.lock``, which holds its pid; a second ``train`` on the
same folder (``--resume`` too) is refused, naming that pid. The kernel releases the lock
when the process ends, however it ends, so a killed run leaves no stale lock; the file is
removed when a run finishes.

:class:`RunFolder` is the only writer of these files. :func:`check_run_dir` refuses, before
any file is created, removed or written, a folder where one of these names is not what it
should be: a symbolic link (a write through it would land outside the run folder), a folder
where a file belongs or a file where the ``checkpoints`` folder belongs, or a folder that
cannot be written. :func:`remove_temporaries` then deletes the temporary files of writes
that were killed before their rename (they are never taken for results: checkpoints are
only ``epoch-NNNNNN.pt``). Every result is written as a temporary file plus a rename
(:func:`numeric.files.atomic_write`), with the permissions of the umask.

    folder = RunFolder("runs/demo")
    with folder.locked():                                 # one writer (re-entrant for this object)
        checkpoint = folder.start(resume=False, epochs=50)   # checked whole; None: a fresh run
        log = folder.open_metrics(resumed_epoch=None)         # created, temporaries removed
        folder.save_checkpoint(10, payload, keep=3)           # epoch-000010.pt, older ones pruned
        folder.write_params(tensors); folder.write_summary({...})
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from .files import TMP_PREFIX, atomic_write, atomic_write_text, file_kind, lstat_or_none
from .monitoring import MetricsLog

if TYPE_CHECKING:  # torch and matplotlib are imported only where a method needs them
    from matplotlib.figure import Figure

__all__ = ["RUN_FILES", "LOCK_FILE", "RunFolder", "check_run_dir", "remove_temporaries"]

#: The files training writes in the run folder (besides ``checkpoints/``).
RUN_FILES = ("metrics.csv", "params.json", "summary.json", "loss_curve.png")
#: The lock file of the process that trains in the run folder (it holds the pid).
LOCK_FILE = "train.lock"

#: Temporary files of killed writes: this version's prefix and the earlier ones.
_TEMPORARY = (TMP_PREFIX, ".params-", ".metrics-", ".tmp-checkpoint-")
_CHECKPOINT = re.compile(r"^epoch-(\d+)\.pt$")


def _fix(run_dir: Path) -> str:
    return f"remove it or choose another --out than {str(run_dir)!r}"


def _lstat(path: Path) -> os.stat_result | None:
    return lstat_or_none(path)


def _check_file(path: Path, run_dir: Path) -> None:
    info = _lstat(path)
    if info is None:
        return
    if stat.S_ISLNK(info.st_mode):
        raise ValueError(f"run folder entry {str(path)!r} is a symbolic link; training writes only regular files "
                         f"inside the run folder: {_fix(run_dir)}")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"run folder entry {str(path)!r} is not a regular file: {_fix(run_dir)}")


def _check_writable(folder: Path) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=folder)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise ValueError(f"cannot write in run folder {str(folder)!r}: {exc.strerror or exc}; "
                         f"choose another --out") from None


def check_run_dir(run_dir: str | os.PathLike) -> None:
    """ValueError unless ``run_dir`` is absent or a writable folder whose training entries
    (:data:`RUN_FILES`, ``checkpoints/`` and its ``epoch-*.pt``) are of the right kind."""
    if not str(os.fspath(run_dir)).strip():
        raise ValueError("the run folder name is empty; give a folder, e.g. --out runs/demo")
    run_dir = Path(run_dir)
    info = _lstat(run_dir)
    if info is None:
        parent = run_dir.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if parent.exists() and not parent.is_dir():
            raise ValueError(f"cannot create run folder {str(run_dir)!r}: {str(parent)!r} is not a folder; "
                             f"choose another --out")
        return
    if not run_dir.is_dir():  # a link to a folder the user made is fine; a file is not
        raise ValueError(f"cannot create run folder {str(run_dir)!r}: it is a file, not a folder; choose another --out")
    for name in (*RUN_FILES, LOCK_FILE):
        _check_file(run_dir / name, run_dir)
    checkpoints = run_dir / "checkpoints"
    cinfo = _lstat(checkpoints)
    if cinfo is not None:
        if stat.S_ISLNK(cinfo.st_mode) or not stat.S_ISDIR(cinfo.st_mode):
            kind = "a symbolic link" if stat.S_ISLNK(cinfo.st_mode) else "not a folder"
            raise ValueError(f"run folder entry {str(checkpoints)!r} is {kind}; it must be the folder of "
                             f"checkpoints: {_fix(run_dir)}")
        try:
            names = os.listdir(checkpoints)
        except OSError as exc:
            raise ValueError(f"cannot read {str(checkpoints)!r}: {exc.strerror or exc}") from None
        for name in names:
            if _CHECKPOINT.match(name):
                _check_file(checkpoints / name, run_dir)
        _check_writable(checkpoints)
    _check_writable(run_dir)


def _holder(fd: int) -> str:
    """The pid written in a lock file (``unknown`` while its holder has not written it yet)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "unknown"
    return text if text.isdigit() else "unknown"


def remove_temporaries(run_dir: str | os.PathLike) -> list[Path]:
    """Delete the temporary files of killed writes in ``run_dir`` and ``checkpoints/``;
    return what was removed."""
    removed = []
    for folder in (Path(run_dir), Path(run_dir) / "checkpoints"):
        if not folder.is_dir() or folder.is_symlink():
            continue
        for entry in os.scandir(folder):
            if entry.name.startswith(_TEMPORARY) and (entry.is_symlink() or entry.is_file(follow_symlinks=False)):
                os.unlink(entry.path)  # a link is removed itself, never its target
                removed.append(Path(entry.path))
    return removed


class RunFolder:
    """The run folder ``path`` of one training run and every write into it.

    The order of a run: :meth:`start` (check the whole folder; on resume read and validate
    the newest checkpoint; nothing is touched), :meth:`open_metrics` (create the folder,
    remove temporaries, cut or restart ``metrics.csv``), :meth:`save_checkpoint` during the
    run, then :meth:`write_params`, :meth:`write_summary` and :meth:`write_loss_curve`.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        if not str(os.fspath(path)).strip():
            raise ValueError("the run folder name is empty; give a folder, e.g. --out runs/demo")
        self.path = Path(path)
        self._lock_fd: int | None = None
        self._lock_depth = 0

    @property
    def metrics(self) -> Path:
        return self.path / "metrics.csv"

    @property
    def params(self) -> Path:
        return self.path / "params.json"

    @property
    def summary(self) -> Path:
        return self.path / "summary.json"

    @property
    def loss_curve(self) -> Path:
        return self.path / "loss_curve.png"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def lock_file(self) -> Path:
        return self.path / LOCK_FILE

    def check(self) -> None:
        """:func:`check_run_dir` of this folder."""
        check_run_dir(self.path)

    @contextlib.contextmanager
    def locked(self) -> Iterator["RunFolder"]:
        """Hold the run folder's exclusive lock for the block (see the module docstring).

        The folder is checked (:func:`check_run_dir`) and created if absent; ValueError
        naming the holder's pid when another process holds the lock. Re-entrant for this
        object. When the block ends the lock file is removed (and a folder the lock created
        is removed again if nothing else was written in it)."""
        if self._lock_fd is not None:
            self._lock_depth += 1
            try:
                yield self
            finally:
                self._lock_depth -= 1
            return
        created = self._acquire()
        try:
            yield self
        finally:
            self._release(created)

    def _acquire(self) -> bool:
        """Take the lock; return whether the run folder was created for it."""
        self.check()
        created = _lstat(self.path) is None
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"cannot create run folder {str(self.path)!r}: {exc.strerror or exc}; "
                             f"choose another --out") from None
        path = self.lock_file
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        for _ in range(20):  # the lock file can be removed by a finishing run between open and flock
            try:
                fd = os.open(path, flags, 0o666)  # the umask applies
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    _check_file(path, self.path)  # a link planted meanwhile: the usual message
                raise ValueError(f"cannot open the lock file {str(path)!r}: {exc.strerror or exc}; "
                                 f"choose another --out") from None
            try:
                mode = os.fstat(fd).st_mode
                if not stat.S_ISREG(mode):
                    raise ValueError(f"run folder entry {str(path)!r} is {file_kind(mode)}, not a regular file: "
                                     f"{_fix(self.path)}")
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise ValueError(f"run folder {str(self.path)!r} is in use by another training run (pid "
                                     f"{_holder(fd)}, holding {str(path)!r}); wait for it to finish, or choose "
                                     f"another --out") from None
                now = _lstat(path)
                mine = os.fstat(fd)
                if now is None or (now.st_ino, now.st_dev) != (mine.st_ino, mine.st_dev):
                    os.close(fd)  # locked a file that is no longer the lock file: again
                    continue
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.close(fd)
                raise
            self._lock_fd = fd
            return created
        raise ValueError(f"cannot lock run folder {str(self.path)!r}: its lock file keeps changing; "
                         f"is another run starting? choose another --out")

    def _release(self, created: bool) -> None:
        fd, self._lock_fd = self._lock_fd, None
        with contextlib.suppress(OSError):
            os.unlink(self.lock_file)  # still ours: we hold the lock
        if fd is not None:
            os.close(fd)  # releases the lock
        if created:
            with contextlib.suppress(OSError):
                self.path.rmdir()  # only if nothing was written in it

    def start(self, resume: bool, epochs: int) -> tuple[Path, dict[str, Any]] | None:
        """Check the folder whole; with ``resume`` return the newest checkpoint's path and its
        validated payload (None for a fresh run). Refuses a fresh run over checkpoints, a
        resume without one, and a resume whose checkpoint is past ``epochs``. Writes nothing."""
        from . import checkpoint as ckpt

        self.check()
        latest = ckpt.latest_checkpoint(self.path)
        if resume and latest is None:
            raise ValueError(f"--resume: no checkpoint in {str(self.checkpoints)!r}; "
                             f"run without --resume to start training")
        if not resume and latest is not None:
            raise ValueError(f"run folder {str(self.path)!r} already holds checkpoints; pass --resume "
                             f"to continue it or choose a new --out")
        if not resume:
            return None
        data = ckpt.load_checkpoint(latest)  # every field validated before anything changes
        if data["epoch"] > epochs:
            raise ValueError(f"--resume: the newest checkpoint {str(latest)!r} is at epoch {data['epoch']}, past "
                             f"--epochs {epochs}; give --epochs {data['epoch']} or more to continue")
        return latest, data

    def open_metrics(self, resumed_epoch: int | None) -> MetricsLog:
        """Create the folder, remove temporaries of killed writes, then open ``metrics.csv``
        for appending: cut back to ``resumed_epoch`` on resume, started afresh otherwise."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"cannot create run folder {str(self.path)!r}: {exc.strerror or exc}; "
                             f"choose another --out") from None
        remove_temporaries(self.path)
        if resumed_epoch is not None:
            MetricsLog.truncate(self.metrics, resumed_epoch)
        else:
            self.metrics.unlink(missing_ok=True)
        return MetricsLog(self.metrics)

    def save_checkpoint(self, epoch: int, payload: Mapping[str, Any], keep: int) -> Path:
        """Write ``checkpoints/epoch-NNNNNN.pt`` atomically, then delete all but the ``keep``
        newest checkpoints (``keep`` <= 0 keeps them all)."""
        from . import checkpoint as ckpt

        path = ckpt.save_checkpoint(ckpt.checkpoint_path(self.path, epoch), payload)
        if keep > 0:
            for old in ckpt.list_checkpoints(self.path)[:-keep]:
                old.unlink(missing_ok=True)
        return path

    def write_params(self, tensors: Mapping[str, Any]) -> Path:
        """``params.json`` (DESIGN.md's params format) of the final parameters."""
        from .params import save_params

        save_params(self.params, tensors)
        return self.params

    def write_summary(self, summary: Mapping[str, Any]) -> Path:
        """``summary.json``: the run's description and final loss, one key per line."""
        return atomic_write_text(self.summary, json.dumps(dict(summary), indent=1) + "\n")

    def write_loss_curve(self, figure: "Figure") -> Path:
        """``loss_curve.png`` of a matplotlib figure (the caller closes it)."""
        return atomic_write(self.loss_curve, lambda fh: figure.savefig(fh, format="png", dpi=120, bbox_inches="tight"))
