"""Hash one run's printed outputs into one JSON line (called by ``commands.sh``).

    python benchmarks/mutation_sample/hash_outputs.py TMP notes=0 slides=0 exercises=1

Prints ``{"key", "codes", "patterns", "hashes": {relative path: sha256}}``. ``key`` identifies the
mutant: the sha256 of the changed lines of ``git diff`` in the current directory (the working
copy cosmic-ray has just mutated; empty for the unmutated tree), so the report can match the
line to cosmic-ray's own diff of the work item (see ``report.py``: :func:`diff_key`).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

#: The printed outputs: the documents, the exercise sheets/answers and the figures as PNG (not
#: logs, not caches; not the PDF and SVG figures, which carry a date and random ids).
PRINTED = ("*.tex", "*.html", "*.json", "*.csv", "*.txt", "*.js", "*.ipynb", "*.png")


def diff_key(diff_text: str) -> str:
    """sha256 of a unified diff's changed lines (``+``/``-``, headers dropped, order kept)."""
    lines = [line for line in diff_text.splitlines()
             if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def printed_hashes(tmp: Path) -> dict[str, str]:
    """sha256 of every printed file under ``tmp`` (outside ``.cache``), by relative path."""
    found: dict[str, str] = {}
    for pattern in PRINTED:
        for path in tmp.rglob(pattern):
            rel = path.relative_to(tmp).as_posix()
            if "/.cache/" in f"/{rel}" or not path.is_file():
                continue
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return dict(sorted(found.items()))


def main(argv: list[str]) -> int:
    tmp = Path(argv[0])
    codes = dict(item.split("=", 1) for item in argv[1:])
    diff = subprocess.run(["git", "diff", "--no-color"], capture_output=True, text=True).stdout
    print(json.dumps({"key": diff_key(diff), "codes": codes, "patterns": list(PRINTED),
                      "hashes": printed_hashes(tmp)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
