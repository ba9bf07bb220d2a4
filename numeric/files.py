"""Reading input files and writing results safely.

Inputs (``--params``, ``--data``, checkpoints) are read only from *regular* files, up to a
size limit (:mod:`symbolic.spec.limits`): a FIFO, a device such as ``/dev/zero`` or a folder is
refused at once, naming the file, instead of hanging or reading without end.

Results are written with :func:`atomic_write`: a temporary file beside the target (its
name starts with :data:`TMP_PREFIX`), flushed, fsync'ed and renamed over the target. The
rename replaces a symbolic link standing at the target instead of following it, so a
write never lands outside its folder, and a crash leaves the old file or the new one,
never half of one. New files get the permissions of the process's umask (as ``open``
would give them).
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable

from symbolic.spec.limits import MAX_INPUT_FILE_BYTES, format_bytes

__all__ = ["TMP_PREFIX", "RepeatedKey", "unique_keys", "read_regular_file", "open_regular_file", "decode_text", "read_json_file", "shorten",
           "atomic_write", "atomic_write_text", "file_mode", "file_kind", "lstat_or_none"]

#: Every temporary file deepderive writes starts with this (and is cleaned up when found).
TMP_PREFIX = ".deepderive-tmp-"


def file_kind(mode: int) -> str:
    """What a file of ``st_mode`` ``mode`` is, in words ("a folder", "a FIFO (named pipe)", ...)."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular_file(path: str | os.PathLike, what: str, limit: int = MAX_INPUT_FILE_BYTES) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file of at most ``limit`` bytes.

    Opening never blocks (a FIFO is opened non-blocking, then refused). ValueError names
    ``what`` (e.g. "params file") and the file.
    """
    name = str(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ValueError(f"{what} {name!r} not found") from None
    except IsADirectoryError:
        raise ValueError(f"{what} {name!r} is a folder; give a file") from None
    except OSError as exc:
        raise ValueError(f"cannot read {what} {name!r}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{what} {name!r} is {file_kind(info.st_mode)}; only regular files are read")
        if info.st_size > limit:
            raise ValueError(f"{what} {name!r} is {format_bytes(info.st_size)}, more than the limit of "
                             f"{format_bytes(limit)}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular_file(path: str | os.PathLike, what: str, limit: int = MAX_INPUT_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (see :func:`open_regular_file`);
    a file that grows past the limit while it is read is refused too."""
    with open_regular_file(path, what, limit) as fh:
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise ValueError(f"cannot read {what} {str(path)!r}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ValueError(f"{what} {str(path)!r} is more than the limit of {format_bytes(limit)}")
    return data


def decode_text(data: bytes, what: str, path: str | os.PathLike) -> str:
    """UTF-8 text (a byte-order mark, as spreadsheet programs write, is dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what} {str(path)!r} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                         f"{exc.start}); save it as UTF-8") from None


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters (``...`` marks the cut), for quoting input in messages."""
    return text if len(text) <= limit else text[:limit] + "..."


class RepeatedKey(ValueError):
    """A JSON object repeats ``key`` (raised by :func:`unique_keys`)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` of :func:`read_json_file`: an object, unless a key appears twice
    (``json`` would keep the last silently; which one the writer meant is a guess)."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise RepeatedKey(key)
        obj[key] = value
    return obj


def read_json_file(path: str | os.PathLike, what: str, limit: int | None = None,
                   nested: str = "", **options: Any) -> Any:
    """The decoded JSON of a regular UTF-8 file of at most ``limit`` bytes (default
    :data:`symbolic.spec.limits.MAX_INPUT_FILE_BYTES`); every failure a ValueError naming ``what``
    and the file (``nested`` is added to the too-deep message). An object that repeats a key
    is refused, naming the key. ``options`` go to :func:`json.loads` (e.g. ``parse_int``)."""
    name = str(path)
    raw = read_regular_file(path, what) if limit is None else read_regular_file(path, what, limit)
    text = decode_text(raw, what, path)
    try:
        return json.loads(text, **{"object_pairs_hook": unique_keys, **options})
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} {name!r} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except RepeatedKey as exc:
        raise ValueError(f"{what} {name!r} repeats the key {shorten(exc.key)!r} in one object; each key may appear "
                         f"only once (which value was meant?)") from None
    except RecursionError:
        raise ValueError(f"{what} {name!r} nests lists or objects too deeply{nested}") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):  # Python's limit on int("...") digits
            raise ValueError(f"{what} {name!r} holds an integer of more than {_int_digits()} digits, too long "
                             f"to be a value here") from None
        raise ValueError(f"{what} {name!r}: {exc}") from None


def _int_digits() -> int:
    import sys

    return sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300


def lstat_or_none(path: str | os.PathLike, error: type[ValueError] = ValueError) -> os.stat_result | None:
    """``os.lstat`` of ``path`` (never following a link), None when it does not exist; any
    other failure is ``error`` naming the path."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise error(f"cannot inspect {str(path)!r}: {exc.strerror or exc}") from None


def file_mode() -> int:
    """The mode ``open`` gives a new file: 0o666 less the process's umask (read each time:
    the umask can change while a program runs)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Write ``path`` by calling ``write(binary file)`` on a temporary file in the same
    folder, then fsync and ``os.replace`` (which replaces a symbolic link, never follows it)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """:func:`atomic_write` of UTF-8 text."""
    return atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))
