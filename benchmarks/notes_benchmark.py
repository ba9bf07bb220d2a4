"""Wall time of the main job, ``deepderive notes``, as a whole process (target: under 90 s
on a 2-core CPU).

    python benchmarks/notes_benchmark.py [--repeats 3] [--out benchmarks/results]

Runs ``python -m derivations notes --out TMP --device cpu`` (with the PDF when pdflatex is
installed, and once more with ``--no-pdf``) in fresh processes, so import time counts, and
records the minimum, median and maximum. Results: ``notes_cpu.json`` and ``notes_cpu.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _time(extra: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "derivations", "notes", "--out", tmp, "--device", "cpu", *extra],
                       check=True, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args()
    variants = {"notes (no PDF)": ["--no-pdf"]}
    if shutil.which("pdflatex"):
        variants = {"notes with PDF (pdflatex twice)": [], **variants}
    rows = []
    for name, extra in variants.items():
        times = [_time(extra) for _ in range(args.repeats)]
        rows.append({"variant": name, "seconds": times, "min": min(times), "median": statistics.median(times),
                     "max": max(times)})
        print(f"{name}: median {statistics.median(times):.1f} s (min {min(times):.1f}, max {max(times):.1f})")
    meta = {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine(),
            "date": time.strftime("%Y-%m-%d %H:%M"), "load_average": os.getloadavg()[0], "repeats": args.repeats}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "notes_cpu.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    lines = [f"# `deepderive notes` wall time (CPU, {meta['cpus']} cores, Python {meta['python']}, "
             f"{meta['date']}, load average {meta['load_average']:.1f})", "",
             "Whole process, fresh interpreter each run (imports included); target: under 90 s.", "",
             "| variant | min (s) | median (s) | max (s) |", "|---|---|---|---|"]
    lines += [f"| {r['variant']} | {r['min']:.1f} | {r['median']:.1f} | {r['max']:.1f} |" for r in rows]
    (out / "notes_cpu.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
