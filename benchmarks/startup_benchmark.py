"""How fast the command line answers: wall time of one ``python -m derivations ...`` process.

    python benchmarks/startup_benchmark.py [--repeats 7] [--checkout DIR] [--label NAME] [--out benchmarks/results]

Each case runs ``--repeats`` times in a fresh process (interleaved, so a load spike hits
every case alike); the median and the fastest run are reported, with the exit code, the
number of stderr lines and whether torch / SymPy were imported (``-X importtime``, in one
extra run). ``--checkout DIR`` times another checkout of the project (for example the
commit before a change) with the same cases; ``--label`` names it in the results.

Results: ``benchmarks/results/startup_<label>.json`` and ``.md``. Targets: ``--help``, an
argparse error and a bad input file answer in well under a second; ``derive`` and
``regions`` never import torch.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: (name, arguments); ``{tmp}`` is a scratch folder holding ``bad.json`` (not JSON) and
#: ``run/checkpoints`` as a file (a bad run folder).
CASES = [
    ("--help", ["--help"]),
    ("derive --help", ["derive", "--help"]),
    ("train --help", ["train", "--help"]),
    ("argparse error (--widths 1,x,1)", ["derive", "--widths", "1,x,1"]),
    ("unknown command", ["frobnicate"]),
    ("bad params file (regions)", ["regions", "--widths", "1,3,1", "--params", "{tmp}/bad.json"]),
    ("bad params file (evaluate)", ["evaluate", "--widths", "1,3,1", "--activation", "relu", "--params",
                                    "{tmp}/bad.json", "--data", "{tmp}/d.csv"]),
    ("bad seed (train)", ["train", "--widths", "1,3,1", "--activation", "relu", "--loss", "least-squares",
                          "--dataset", "regression-1d", "--seed", "-1"]),
    ("bad run folder (train)", ["train", "--widths", "1,3,1", "--activation", "relu", "--loss", "least-squares",
                                "--dataset", "regression-1d", "--out", "{tmp}/run"]),
    ("regions 2,4,4,1", ["regions", "--widths", "2,4,4,1"]),
    ("derive 1,3,1 --format text", ["derive", "--widths", "1,3,1", "--activation", "relu", "--format", "text"]),
    ("derive 1,3,1 (latex, checked)", ["derive", "--widths", "1,3,1", "--activation", "relu"]),
]


def scratch() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="startup-"))
    (tmp / "bad.json").write_text("{not json")
    (tmp / "d.csv").write_text("x\n1\n")
    (tmp / "run").mkdir()
    (tmp / "run" / "checkpoints").write_text("a file where the folder belongs")
    return tmp


def once(checkout: Path, argv: list[str], importtime: bool = False) -> tuple[float, int, str]:
    cmd = [sys.executable] + (["-X", "importtime"] if importtime else []) + ["-m", "derivations", *argv]
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True, timeout=600)
    return time.perf_counter() - start, proc.returncode, proc.stderr


def imported(stderr: str) -> dict[str, bool]:
    names = {line.rsplit("|", 1)[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")}
    return {"torch": "torch" in names, "sympy": "sympy" in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--checkout", type=Path, default=ROOT, help="project checkout to time (default: this one)")
    parser.add_argument("--label", default="cpu", help="results file suffix (default cpu)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    tmp = scratch()
    cases = [(name, [a.replace("{tmp}", str(tmp)) for a in argv]) for name, argv in CASES]
    times: dict[str, list[float]] = {name: [] for name, _ in cases}
    info: dict[str, dict] = {}
    for name, argv in cases:  # one warm-up run each, also the import record
        _, code, err = once(args.checkout, argv, importtime=True)
        lines = [line for line in err.splitlines() if not line.startswith("import time:")]
        info[name] = {"exit": code, "stderr_lines": len(lines), **imported(err),
                      "first_line": lines[0][:100] if lines else ""}
    for _ in range(args.repeats):
        for name, argv in cases:
            times[name].append(once(args.checkout, argv)[0])
    rows = [{"case": name, "median_s": statistics.median(t), "min_s": min(t), **info[name]} for name, t in times.items()]
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover
        load = float("nan")
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "repeats": args.repeats, "date": time.strftime("%Y-%m-%d %H:%M"), "load_average": load,
            "checkout": args.label}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"startup_{args.label}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    lines = [f"# Startup benchmark ({args.label}: Python {meta['python']}, {meta['cpus']} CPUs, median of "
             f"{args.repeats}, {meta['date']}, load average {load:.1f})", "",
             "| case | median s | fastest s | exit | stderr lines | torch | sympy |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['median_s']:.2f} | {r['min_s']:.2f} | {r['exit']} | {r['stderr_lines']} | "
                     f"{'yes' if r['torch'] else 'no'} | {'yes' if r['sympy'] else 'no'} |")
    (args.out / f"startup_{args.label}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
