"""A content-addressed cache of each topic's result, so that an unchanged topic is not rebuilt.

``deepderive notes`` runs thirteen topics (tens of seconds); a lecturer who edits one
parameter and rebuilds waits for one. Each topic's result (its LaTeX, records, figure list
and displays) is stored as JSON in ``OUT/.cache/topics/<slug>.json`` under a key that
changes whenever anything the result depends on changes:

- the source of the topic's own modules (``topics/<name>.py``, ``topics/texts/<name>.py``);
- the source of every other module of the package (``symbolic/``, ``numeric/``,
  ``derivations/``, but not the other topics' own modules): an edit anywhere below a topic
  rebuilds every topic;
- the versions of Python, deepderive, SymPy, NumPy, torch and matplotlib;
- the run's options (device, SVG figures, seed).

With a plugin loaded (a registered activation or loss) nothing is cached: a plugin's code is
not part of the key.

The cache is data in a folder others may write to, never trusted blindly: an entry is JSON
(never pickle), validated field by field; a figure it lists must exist with the SHA-256
recorded when it was made. An entry that is missing, corrupt, foreign (another key) or whose
figures changed is rebuilt, not loaded. Deleting ``OUT/.cache`` is always safe.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["CACHE_DIR", "TopicCache", "topic_key"]

#: Where the entries live inside the output folder.
CACHE_DIR = ".cache/topics"
#: The entry format; a new format makes every old entry foreign.
FORMAT = 1
#: An entry larger than this is refused unread (a topic's entry is well under 1 MiB).
MAX_ENTRY_BYTES = 16 * 2**20

_ROOT = Path(__file__).resolve().parents[2]
_PACKAGES = ("symbolic", "numeric", "derivations")


def _own_modules(name: str) -> list[Path]:
    """The topic's own source files: its script and its words."""
    topics = _ROOT / "derivations" / "topics"
    return [p for p in (topics / f"{name}.py", topics / "texts" / f"{name}.py") if p.exists()]


@lru_cache(maxsize=1)
def _library_hash() -> str:
    """SHA-256 over every package module except the topics' own scripts and words."""
    from derivations.lecture import TOPICS

    own = {p for name in TOPICS for p in _own_modules(name)}
    h = hashlib.sha256()
    for package in _PACKAGES:
        for path in sorted((_ROOT / package).rglob("*.py")):
            if path not in own:
                h.update(str(path.relative_to(_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": sys.version.split()[0]}
    for dist in ("deepderive", "sympy", "numpy", "torch", "matplotlib"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "absent"
    return out


def topic_key(name: str, options: dict[str, Any]) -> str:
    """The key of a topic's result: its own source, the rest of the package, versions, options."""
    h = hashlib.sha256()
    for path in _own_modules(name):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    payload = {"format": FORMAT, "topic": name, "library": _library_hash(), "versions": _versions(),
               "options": options}
    h.update(json.dumps(payload, sort_keys=True).encode())
    return h.hexdigest()


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _figure_files(out: Path, figures: list[str]) -> list[str]:
    """Every file a topic's figures left in ``out/figures`` (PDF, PNG and SVG of each stem)."""
    stems = {Path(f).with_suffix("").as_posix() for f in figures}
    return sorted(f"{stem}{ext}" for stem in stems for ext in (".pdf", ".png", ".svg") if (out / f"{stem}{ext}").is_file())


_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any, depth: int = 0) -> bool:
    """JSON-shaped data only: dicts with string keys, lists, strings, numbers, booleans, null."""
    if depth > 20:
        return False
    if isinstance(value, _SCALARS):
        return True
    if isinstance(value, list):
        return all(_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v, depth + 1) for k, v in value.items())
    return False


def _valid(entry: Any, key: str) -> bool:
    """The entry's structure, field by field (records: the fields every record has)."""
    if not isinstance(entry, dict) or entry.get("key") != key or entry.get("format") != FORMAT:
        return False
    strings = ("slug", "title", "latex")
    if not all(isinstance(entry.get(k), str) for k in strings):
        return False
    figures, files, records, displays = (entry.get(k) for k in ("figures", "files", "records", "displays"))
    if not (isinstance(figures, list) and all(isinstance(f, str) for f in figures)):
        return False
    if not (isinstance(files, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())):
        return False
    if not (isinstance(records, list) and _plain(records)):
        return False
    for r in records:
        if not (isinstance(r, dict) and isinstance(r.get("name"), str) and isinstance(r.get("passed"), bool)
                and isinstance(r.get("max_error"), (int, float, str))):
            return False
    if not (isinstance(displays, dict) and _plain(displays)):
        return False
    return all(isinstance(d, dict) and isinstance(d.get("latex"), str) and isinstance(d.get("records"), list)
               and all(isinstance(i, int) for i in d["records"]) for d in displays.values())


def _encode_error(value: Any) -> Any:
    """max_error as JSON keeps infinity and NaN as strings (JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


def _decode_error(value: Any) -> Any:
    if isinstance(value, str) and value in ("inf", "-inf", "nan"):
        return float(value)
    return value


class TopicCache:
    """The cache of one output folder (:class:`derivations.tex.OutputFolder`); ``result`` and
    ``display`` are the classes a loaded entry is made into (the topic module's
    ``TopicResult`` and ``Display``: passed in, so that this module imports nothing above it)."""

    def __init__(self, folder, options: dict[str, Any], result: type, display: type):
        self.folder, self.options = folder, options
        self.result, self.display = result, display

    def _path(self, name: str) -> Path:
        return self.folder.path / CACHE_DIR / f"{name}.json"

    def load(self, name: str):
        """The cached :class:`~derivations.topics.topic.TopicResult` of a topic, or None (rebuild)."""
        path = self._path(name)
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_ENTRY_BYTES:
                return None
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        key = topic_key(name, self.options)
        if not _valid(entry, key):
            return None
        out = self.folder.path
        for file, digest in entry["files"].items():
            if Path(file).is_absolute() or ".." in Path(file).parts or _sha256(out / file) != digest:
                return None
        records = [dict(r, max_error=_decode_error(r["max_error"])) for r in entry["records"]]
        if any(not 0 <= i < len(records) for d in entry["displays"].values() for i in d["records"]):
            return None
        displays = {k: self.display(d["latex"], [records[i] for i in d["records"]])
                    for k, d in entry["displays"].items()}
        return self.result(entry["slug"], entry["title"], entry["latex"], list(entry["figures"]), records, displays)

    def store(self, name: str, topic) -> None:
        """Write a topic's result (after a successful build; a failed topic is never cached)."""
        out = self.folder.path
        index = {id(r): i for i, r in enumerate(topic.records)}
        displays = {}
        for key, d in topic.displays.items():
            ids = [index.get(id(r)) for r in d.records]
            if None in ids:  # a display that shows another topic's record: do not cache this topic
                return
            displays[key] = {"latex": d.latex, "records": ids}
        records = [dict(r, max_error=_encode_error(r.get("max_error"))) for r in topic.records]
        if not _plain(records):
            return  # a record holding an object JSON cannot keep: build it again next time
        files = {f: _sha256(out / f) for f in _figure_files(out, topic.figures)}
        entry = {"format": FORMAT, "key": topic_key(name, self.options), "slug": topic.slug, "title": topic.title,
                 "latex": topic.latex, "figures": list(topic.figures), "files": files, "records": records,
                 "displays": displays}
        self.folder.folder(".cache")
        self.folder.folder(CACHE_DIR)
        self.folder.write_text(f"{CACHE_DIR}/{name}.json", json.dumps(entry) + "\n")  # the records keep their key order
