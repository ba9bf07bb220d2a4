"""The run folder of ``deepderive train --out RUN_DIR``: checked whole before anything is touched.

A run folder holds only what training writes::

    RUN_DIR/metrics.csv  params.json  summary.json  loss_curve.png  checkpoints/epoch-NNNNNN.pt

:func:`check_run_dir` refuses, before any file is created, removed or written, a folder
where one of these names is not what it should be: a symbolic link (a write through it
would land outside the run folder), a folder where a file belongs or a file where the
``checkpoints`` folder belongs, or a folder that cannot be written. :func:`remove_temporaries`
then deletes the temporary files of writes that were killed before their rename (they are
never taken for results: checkpoints are only ``epoch-NNNNNN.pt``).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

from .files import TMP_PREFIX

__all__ = ["RUN_FILES", "check_run_dir", "remove_temporaries"]

#: The files training writes in the run folder (besides ``checkpoints/``).
RUN_FILES = ("metrics.csv", "params.json", "summary.json", "loss_curve.png")

#: Temporary files of killed writes: this version's prefix and the earlier ones.
_TEMPORARY = (TMP_PREFIX, ".params-", ".metrics-", ".tmp-checkpoint-")
_CHECKPOINT = re.compile(r"^epoch-(\d+)\.pt$")


def _fix(run_dir: Path) -> str:
    return f"remove it or choose another --out than {str(run_dir)!r}"


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ValueError(f"cannot inspect {str(path)!r}: {exc.strerror or exc}") from None


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
    for name in RUN_FILES:
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
