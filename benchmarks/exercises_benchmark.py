"""Speed of ``deepderive exercises`` and ``deepderive check``, as whole processes (imports
included). Targets: sheets for 200 students without PDF in at most 60 s; one ``check``
call at most 2 s (median); a 20-answer submission at most 5 s.

    python benchmarks/exercises_benchmark.py [--students 200] [--checks 15] [--out benchmarks/results]

Runs ``python -m derivations exercises --out TMP --students N --no-pdf`` once, then
``check`` calls on a mix of exercises (correct answers, typical mistakes, rewritings,
hostile input) for the first student, and a submission of that student's answers (20
exercises). Results: ``exercises_cpu.json`` and
``exercises_cpu.md``.
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


def _run(args: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "derivations", *args], capture_output=True, text=True)
    return time.perf_counter() - start, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--checks", type=int, default=15)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build_s, code = _run(["exercises", "--out", tmp, "--students", str(args.students), "--no-pdf"])
        assert code == 0, "exercises failed"
        answers = Path(tmp) / "answers.json"
        data = json.loads(answers.read_text())
        first = next(iter(data["students"]))
        exercises = data["students"][first]
        texts = []
        for e in exercises:
            texts.append((e["id"], e["answer"]))
            if e.get("mistakes"):
                texts.append((e["id"], "wrong"))
        texts.append((exercises[0]["id"], "10^{10^{10^{10}}}"))
        check_times, codes = [], []
        for eid, text in (texts * 3)[: args.checks]:
            if text == "wrong":
                text = "12345/7"
            seconds, code = _run(["check", "--answers", str(answers), "--student", first, "--exercise", eid,
                                  "--answer", text])
            check_times.append(seconds)
            codes.append(code)
        submission = dict(list({e["id"]: e["answer"] for e in exercises}.items())[:20])
        sub = Path(tmp) / "submission.json"
        sub.write_text(json.dumps(submission))
        sub_times = []
        for _ in range(3):
            seconds, code = _run(["check", "--answers", str(answers), "--student", first, "--submission", str(sub)])
            sub_times.append(seconds)
            assert code == 0, "the submission of correct answers was not all correct"
    load = os.getloadavg()[0]
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average": load,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "students": args.students,
        "exercises_per_student": len(exercises),
        "build_seconds_no_pdf": build_s,
        "check_seconds": check_times,
        "check_median_seconds": statistics.median(check_times),
        "check_exit_codes": codes,
        "submission_answers": len(submission),
        "submission_seconds": sub_times,
        "submission_median_seconds": statistics.median(sub_times),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "exercises_cpu.json").write_text(json.dumps(result, indent=1) + "\n")
    md = [f"# `deepderive exercises` and `check` (CPU, {result['machine']}, {result['date']}, load average {load:.1f})",
          "", "Whole processes, fresh interpreter each run (imports included).", "",
          "| what | measured | target |", "|---|---|---|",
          f"| sheets + solutions + answers.json for {args.students} students ({len(exercises)} exercises each), "
          f"no PDF | {build_s:.1f} s | <= 60 s |",
          f"| one `check` call, median of {len(check_times)} (min {min(check_times):.2f}, max {max(check_times):.2f}) "
          f"| {result['check_median_seconds']:.2f} s | <= 2 s |",
          f"| a submission of {result['submission_answers']} answers, median of 3 | "
          f"{result['submission_median_seconds']:.2f} s | <= 5 s |", ""]
    (out / "exercises_cpu.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
