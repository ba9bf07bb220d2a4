"""What every document command shares: its output folder, and pdflatex run safely.

    folder = OutputFolder("notes")                   # --out notes: checked whole, created
    folder.write_text("notes.tex", latex)            # temporary file + rename, never through a link
    folder.save_figure(fig, "figures/loss.pdf")      # matplotlib into the same kind of write
    compile_pdf(folder.path / "notes.tex", folder)   # pdflatex: no shell escape, no reads outside

**The output folder** (``notes``, ``slides``, ``notebooks``, ``exercises``, ``notes --html``
and the topic scripts) holds only what deepderive writes there, and every write goes through
:class:`OutputFolder`. It refuses, with a :class:`OutputFolderError` (a ``ValueError``: exit 2,
one line naming the path):

- an empty name, a folder that is a symbolic link or a file, a folder that cannot be written;
- a symbolic link anywhere below the folder (a write through ``out/notes.tex`` or
  ``out/sheets`` pointing elsewhere would land outside it), looked for once over the whole
  folder before any work and again on the way to every file written;
- a target that exists and is not a regular file (a FIFO planted at ``out/answers.json``
  would make a plain ``open`` wait forever).

Each file is written whole or not at all (:func:`numeric.files.atomic_write`: a temporary
file beside the target, fsync, rename), so a full disk leaves the previous file intact.

**pdflatex** runs with ``-no-shell-escape``, ``-interaction=nonstopmode``, its input on
``/dev/null``, ``openin_any=p`` and ``openout_any=p`` (no absolute paths, no ``..``, no dot
files: a ``.tex`` fragment cannot read ``/etc/passwd`` or write outside its folders), a
time limit, and its auxiliary files in a private temporary folder; only the PDF and the log
are copied into the output folder, through :class:`OutputFolder`.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Callable

from numeric.files import TMP_PREFIX, atomic_write, file_kind, lstat_or_none

__all__ = ["OutputFolder", "OutputFolderError", "compile_pdf", "escape", "PDFLATEX_HINT", "PDFLATEX_TIMEOUT",
           "MAX_OUTPUT_ENTRIES"]

#: Seconds one pdflatex run may take before it is stopped (the notes take about 10 s).
PDFLATEX_TIMEOUT = 300
#: Entries an existing output folder may hold (it is scanned whole for links before any work).
MAX_OUTPUT_ENTRIES = 100_000


class OutputFolderError(ValueError):
    """An output folder, or a path in it, that deepderive will not write (bad input: exit 2)."""


def _lstat(path: Path) -> os.stat_result | None:
    return lstat_or_none(path, OutputFolderError)


class OutputFolder:
    """The output folder ``path`` of a document command and every write into it.

    Creating the object checks the folder (see the module docstring) and creates it when it
    is absent. Paths given to the methods are relative to the folder (``"figures/x.pdf"``).
    """

    def __init__(self, path: str | os.PathLike, option: str = "--out") -> None:
        if not str(os.fspath(path)).strip():
            raise OutputFolderError(f"the output folder name is empty; give a folder, e.g. {option} notes")
        self.path = Path(path)
        self.option = option
        self._prepare()

    def __repr__(self) -> str:
        return f"OutputFolder({str(self.path)!r})"

    def _fix(self) -> str:
        return f"remove it or choose another {self.option}"

    def _prepare(self) -> None:
        root = self.path
        try:
            info = os.lstat(root)
        except FileNotFoundError:
            info = None
        except OSError as exc:  # e.g. a file where a parent folder belongs
            raise OutputFolderError(f"cannot write to output folder {str(root)!r}: {exc.strerror or exc}") from None
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise OutputFolderError(f"output folder {str(root)!r} is a symbolic link; deepderive writes only into a "
                                    f"real folder: give the folder it points to, or choose another {self.option}")
        if info is not None and not stat.S_ISDIR(info.st_mode):
            raise OutputFolderError(f"cannot write to output folder {str(root)!r}: it is {file_kind(info.st_mode)}, "
                                    f"not a folder; choose another {self.option}")
        try:
            root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=TMP_PREFIX, dir=root)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise OutputFolderError(f"cannot write to output folder {str(root)!r}: {exc.strerror or exc}") from None
        self._scan()

    def _scan(self) -> None:
        """Refuse a link, or anything that is neither a file nor a folder, anywhere below."""
        pending, seen = [self.path], 0
        while pending:
            folder = pending.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError as exc:
                raise OutputFolderError(f"cannot read {str(folder)!r} in the output folder: "
                                        f"{exc.strerror or exc}") from None
            seen += len(entries)
            if seen > MAX_OUTPUT_ENTRIES:
                raise OutputFolderError(f"output folder {str(self.path)!r} holds more than {MAX_OUTPUT_ENTRIES} "
                                        f"entries; choose a new or empty {self.option}")
            for entry in entries:
                path = Path(entry.path)
                if entry.is_symlink():
                    raise self._link(path)
                if entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                elif not entry.is_file(follow_symlinks=False):
                    raise self._not_regular(path, entry.stat(follow_symlinks=False).st_mode)

    def _link(self, path: Path) -> OutputFolderError:
        return OutputFolderError(f"output folder entry {str(path)!r} is a symbolic link; deepderive writes only "
                                 f"regular files inside its output folder: {self._fix()}")

    def _not_regular(self, path: Path, mode: int) -> OutputFolderError:
        return OutputFolderError(f"output folder entry {str(path)!r} is {file_kind(mode)}, not a regular file: "
                                 f"{self._fix()}")

    def _parts(self, relative: str | os.PathLike) -> tuple[str, ...]:
        parts = PurePosixPath(os.fspath(relative)).parts
        if not parts or parts[0] == "/" or ".." in parts:
            raise OutputFolderError(f"{str(relative)!r} is not a path inside the output folder {str(self.path)!r}")
        return tuple(p for p in parts if p != ".")

    def _folder(self, path: Path) -> Path:
        info = _lstat(path)
        if info is None:
            try:
                path.mkdir()
            except FileExistsError:  # made meanwhile: look again
                return self._folder(path)
            except OSError as exc:
                raise OutputFolderError(f"cannot create {str(path)!r}: {exc.strerror or exc}") from None
            return path
        if stat.S_ISLNK(info.st_mode):
            raise self._link(path)
        if not stat.S_ISDIR(info.st_mode):
            raise OutputFolderError(f"output folder entry {str(path)!r} is {file_kind(info.st_mode)} where a folder "
                                    f"belongs: {self._fix()}")
        return path

    def folder(self, relative: str | os.PathLike) -> Path:
        """The folder ``relative`` (created when absent), every part of the way a real folder."""
        path = self.path
        for part in self._parts(relative):
            path = self._folder(path / part)
        return path

    def file(self, relative: str | os.PathLike) -> Path:
        """The path of file ``relative``: its folders are real folders (created when absent),
        and it is absent or a regular file (never a link)."""
        parts = self._parts(relative)
        parent = self.folder(Path(*parts[:-1])) if len(parts) > 1 else self._folder(self.path)
        path = parent / parts[-1]
        info = _lstat(path)
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise self._link(path)
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise self._not_regular(path, info.st_mode)
        return path

    def write(self, relative: str | os.PathLike, write: Callable[[BinaryIO], Any]) -> Path:
        """Write file ``relative`` whole or not at all by calling ``write(binary file)``."""
        path = self.file(relative)
        try:
            return atomic_write(path, write)
        except OSError as exc:  # a full disk, a file-size limit, a folder made read-only meanwhile
            raise OutputFolderError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None

    def write_bytes(self, relative: str | os.PathLike, data: bytes) -> Path:
        """:meth:`write` of ``data``."""
        return self.write(relative, lambda fh: fh.write(data))

    def write_text(self, relative: str | os.PathLike, text: str) -> Path:
        """:meth:`write` of ``text`` in UTF-8."""
        return self.write_bytes(relative, text.encode("utf-8"))

    def read_bytes(self, relative: str | os.PathLike) -> bytes:
        """The bytes of regular file ``relative`` of this folder (never read through a link)."""
        path = self.file(relative)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            raise OutputFolderError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise self._not_regular(path, os.fstat(fh.fileno()).st_mode)
            return fh.read()

    def copy(self, source: str | os.PathLike, relative: str | os.PathLike) -> Path:
        """Copy file ``source`` of this folder to ``relative`` (both relative to the folder)."""
        return self.write_bytes(relative, self.read_bytes(source))

    def copy_in(self, source: str | os.PathLike, relative: str | os.PathLike) -> Path:
        """Copy file ``source`` from outside the folder (a build folder of our own) to ``relative``."""
        with open(source, "rb") as fh:
            return self.write(relative, lambda out: shutil.copyfileobj(fh, out))

    def save_figure(self, figure: Any, relative: str | os.PathLike, **options: Any) -> Path:
        """A matplotlib figure into file ``relative``, in the format its suffix names."""
        fmt = PurePosixPath(os.fspath(relative)).suffix.lstrip(".")
        return self.write(relative, lambda fh: figure.savefig(fh, format=fmt, **options))


def _pdflatex_environment(build: str, sources: Path) -> dict[str, str]:
    """pdflatex reads and writes only below its private build folder (where it runs, with a
    copy of the document), finds packages in the TeX installation *before* the document's
    folder (a ``bm.sty`` planted in an output folder is never loaded; the leading empty entry
    of TEXINPUTS is the installation's default path), and figures below the document's folder."""
    env = dict(os.environ)
    env.update(openin_any="p", openout_any="p", shell_escape="f", TEXMFOUTPUT=build,
               TEXINPUTS=f"{os.pathsep}{sources}{os.sep}")
    return env


def compile_pdf(tex: Path, folder: OutputFolder | None = None, runs: int = 2, log: bool = True,
                timeout: float = PDFLATEX_TIMEOUT) -> Path:
    """Run pdflatex on ``tex`` (``runs`` times: twice for a table of contents) in its folder,
    hardened as the module docstring says; copy the PDF (and with ``log`` the ``.log``) into
    the output folder ``folder`` (default: the folder of ``tex``). ValueError with pdflatex's
    first error, or when it runs longer than ``timeout`` seconds."""
    tex = Path(tex)
    folder = folder or OutputFolder(tex.parent)
    try:
        where = tex.parent.resolve().relative_to(folder.path.resolve())
    except ValueError:
        raise OutputFolderError(f"{str(tex)!r} is not inside the output folder {str(folder.path)!r}") from None
    with tempfile.TemporaryDirectory(prefix="deepderive-pdflatex-") as build:
        shutil.copyfile(tex, Path(build, tex.name))  # runs in the build folder: nothing planted beside it
        command = ["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                   f"-output-directory={build}", tex.name]
        built_log = Path(build, tex.stem + ".log")
        for _ in range(runs):
            try:
                proc = subprocess.run(command, cwd=build, env=_pdflatex_environment(build, tex.parent.resolve()),
                                      stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                                      timeout=timeout)
            except subprocess.TimeoutExpired:
                raise ValueError(f"pdflatex did not finish {tex.name} within {timeout:g} s and was stopped; "
                                 f"look for a loop in the LaTeX") from None
            if proc.returncode != 0:
                text = built_log.read_text(errors="replace") if built_log.exists() else proc.stdout
                first = next((line for line in text.splitlines() if line.startswith("!")), "unknown error")
                shown = f"{tex.name}: {first}"
                if built_log.exists():
                    kept = folder.copy_in(built_log, _log_path(folder, where, built_log.name)) if log else None
                    shown += f" (see {kept})" if kept else ""
                raise ValueError(f"pdflatex failed on {shown}")
        pdf = folder.copy_in(Path(build, tex.stem + ".pdf"), where / (tex.stem + ".pdf"))
        if log and built_log.exists():
            folder.copy_in(built_log, _log_path(folder, where, built_log.name))
    return pdf


def _log_path(folder: OutputFolder, where: Path, name: str) -> Path:
    """pdflatex's log goes to ``build/`` beside the document: the output folder holds what a reader needs."""
    folder.folder((where / "build").as_posix())
    return where / "build" / name


PDFLATEX_HINT = ("pdflatex not found: notes.tex and figures are written, but no notes.pdf; install a LaTeX "
                 "toolchain (Debian: apt-get install texlive-latex-base texlive-latex-recommended) to get the PDF")


_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
             "^": r"\^{}", "~": r"\~{}", "<=": r"$\le$", ">=": r"$\ge$", "<": r"$<$", ">": r"$>$", "|": r"$|$"}
_SPECIAL = re.compile("|".join(re.escape(k) for k in sorted(_SPECIALS, key=len, reverse=True)))


def escape_text(text: str) -> str:
    """Escape every LaTeX special, ``$`` too: text typed on a command line (a title, an author)
    is set as it reads, never as LaTeX.

    >>> print(escape_text(r"Week 3: $x$ & \\input{f} 100%"))
    Week 3: \\$x\\$ \\& \\textbackslash{}input\\{f\\} 100\\%
    """
    return escape(str(text).replace("$", "\x00")).replace("\x00", r"\$")


def escape(text: str) -> str:
    """Escape LaTeX specials outside ``$...$`` math."""
    parts = re.split(r"(\$[^$]*\$)", str(text))
    out = []
    for part in parts:
        if part.startswith("$") and part.endswith("$") and len(part) > 1:
            out.append(part)
            continue
        out.append(_SPECIAL.sub(lambda m: _SPECIALS[m.group()], part))  # one pass: no escape is escaped again
    return "".join(out)
