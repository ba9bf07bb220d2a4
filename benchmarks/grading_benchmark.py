"""Speed of grading a class in process: answers per second, and the time of each answer's check.
Target: 200 students x 20 answers graded in under a minute on 2 cores.

    python benchmarks/grading_benchmark.py [--students 200] [--jobs 2] [--out benchmarks/results]

Builds a class of N students with one exercise of every kind (20 each) with ``build_exercises``
(not timed), and writes every student's submission (``ID.txt``) with a fixed mix of answers
(``random.Random(0)``): right (the printed LaTeX answer, or a plain-text rewriting), a typical
mistake of the key, malformed text the answer grammar refuses, or left out; a few students hand
in nothing. Then:

1. grades the class with ``grade_class`` (the code of ``deepderive grade``: a pool of ``--jobs``
   worker processes, results written to a temporary folder), timed as a whole (wall clock);
2. checks every submitted answer once more in one fresh process, one ``check_answer`` at a
   time, timing each (wall clock and that process's CPU time), for the distribution by kind and mix.

Records the load average before and after each part (the machine may be shared). Results:
``grading_cpu.json`` and ``grading_cpu.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import sympy as sp

#: Shares of the answers: right, a typical mistake, malformed, left out.
MIX = {"right": 0.5, "mistake": 0.25, "malformed": 0.15, "missing": 0.10}
#: Students who hand in nothing (of every 50).
ABSENT_PER_50 = 1
MALFORMED = ["x+*", "\\frac{1}{", "1 2 3 )", "\\input{/etc/passwd}", "((((", "sig(", "e^^2", "1/0 +"]


def _plain(value) -> str:
    if isinstance(value, sp.Tuple):
        return "(" + ", ".join(sp.sstr(v) for v in value) + ")"
    return sp.sstr(value)


def _answer(record: dict, what: str, rng: random.Random) -> str:
    from derivations.exercises.srepr_reader import read_srepr

    if what == "right":
        return record["answer"] if rng.random() < 0.5 else _plain(read_srepr(record["answer_srepr"]))
    if what == "mistake" and record["mistakes"]:
        return _plain(read_srepr(rng.choice(record["mistakes"])["answer_srepr"]))
    if what == "mistake":
        return _plain(-read_srepr(record["answer_srepr"]))
    return rng.choice(MALFORMED)


def write_submissions(key: dict, folder: Path) -> dict[tuple[str, str], str]:
    """Every student's ``ID.txt`` with the mix; returns ``{(student, EID): mix}`` of the answers given."""
    rng = random.Random(0)
    given = {}
    names, weights = list(MIX), list(MIX.values())
    for n, (student, records) in enumerate(key["students"].items()):
        if n % 50 < ABSENT_PER_50:
            continue
        lines = [f"# {student}"]
        for record in records:
            what = rng.choices(names, weights)[0]
            if what == "missing":
                continue
            lines.append(f"{record['id']}: {_answer(record, what, rng)}")
            given[(student, record["id"])] = what
        (folder / f"{student}.txt").write_text("\n".join(lines) + "\n")
    return given


def time_answers(answers: str, submissions: str) -> list[tuple[str, str, str, float, float, str]]:
    """``(student, EID, kind, wall s, CPU s, method)`` of every answer, checked one at a time."""
    from derivations.exercises.checker import check_answer
    from derivations.exercises.submissions import parse_submission

    key = json.loads(Path(answers).read_text())
    out = []
    for student, records in key["students"].items():
        path = Path(submissions) / f"{student}.txt"
        if not path.exists():
            continue
        by_id = {r["id"]: r for r in records}
        for eid, text in parse_submission(path.read_bytes(), path.name).answers.items():
            wall, cpu = time.perf_counter(), time.process_time()
            result = check_answer(by_id[eid], text)
            out.append((student, eid, by_id[eid]["kind"], time.perf_counter() - wall, time.process_time() - cpu,
                        result.method))
    return out


def _percentiles(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    if not values:
        return {}

    def at(q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))]

    return {"n": len(values), "mean": statistics.fmean(values), "median": statistics.median(values),
            "p90": at(0.90), "p99": at(0.99), "max": values[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    parser.add_argument("--markdown-only", action="store_true",
                        help="rewrite grading_cpu.md from the recorded grading_cpu.json (no measurement)")
    args = parser.parse_args()
    if args.markdown_only:
        recorded = json.loads((Path(args.out) / "grading_cpu.json").read_text())
        (Path(args.out) / "grading_cpu.md").write_text(markdown(recorded))
        return

    from derivations.exercises.build import build_exercises, student_ids
    from derivations.exercises.grading import grade_class
    from derivations.tex import OutputFolder

    load = {"start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        build_exercises(tmp / "ex", student_ids(args.students), seed=0, pdf=False)
        build_s = time.perf_counter() - start
        key = json.loads((tmp / "ex" / "answers.json").read_text())
        (tmp / "subs").mkdir()
        given = write_submissions(key, tmp / "subs")
        load["before_grading"] = os.getloadavg()
        start = time.perf_counter()
        grades = grade_class(tmp / "ex" / "answers.json", tmp / "subs", OutputFolder(tmp / "grades"), jobs=args.jobs)
        grade_s = time.perf_counter() - start
        load["after_grading"] = os.getloadavg()
        assert grades.graded_now == len({s for s, _ in given}), "every submission is graded"
        verdicts = defaultdict(lambda: [0, 0])
        for g in grades.students:
            for eid, r in g.results.items():
                if (g.student, eid) in given:
                    verdicts[given[(g.student, eid)]][0 if r["correct"] else 1] += 1

        # 2. every answer again, one at a time, in a fresh process (cold caches, as a grading worker starts)
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            timed = pool.submit(time_answers, str(tmp / "ex" / "answers.json"), str(tmp / "subs")).result()
        times = defaultdict(list)
        cpu_times = []
        timeouts = 0
        for student, eid, kind, wall, cpu, method in timed:
            timeouts += method == "time limit"
            for group in ("all", f"kind:{kind}", f"mix:{given[(student, eid)]}"):
                times[group].append(wall)
            cpu_times.append(cpu)
        load["end"] = os.getloadavg()

    answers = sum(1 for _ in given)
    result = {
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": {"cpu": platform.machine(), "cores": os.cpu_count(),
                    "usable_cores": len(os.sched_getaffinity(0)), "python": platform.python_version()},
        "load_average_1_5_15_min": {k: [round(x, 2) for x in v] for k, v in load.items()},
        "class": {"students": args.students, "exercises_per_student": len(next(iter(key["students"].values()))),
                  "submissions": len({s for s, _ in given}), "answers": answers,
                  "mix": {k: sum(1 for v in given.values() if v == k) for k in MIX if k != "missing"},
                  "build_s": round(build_s, 1)},
        "parallel": {"jobs": args.jobs, "wall_s": round(grade_s, 2),
                     "answers_per_s": round(answers / grade_s, 1),
                     "students_per_s": round(grades.graded_now / grade_s, 2),
                     "verdicts_correct_incorrect_by_mix": {k: v for k, v in verdicts.items()}},
        "per_answer_in_process": {
            "wall_s": {k: {m: round(x, 5) if m != "n" else x for m, x in _percentiles(v).items()}
                       for k, v in sorted(times.items())},
            "cpu_s_total": round(sum(cpu_times), 2), "time_limit_hits": timeouts,
            "answers_per_s_one_process": round(len(times["all"]) / sum(times["all"]), 1),
        },
        "target": "200 students graded in under 60 s on 2 cores",
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "grading_cpu.json").write_text(json.dumps(result, indent=1) + "\n")
    (out / "grading_cpu.md").write_text(markdown(result))
    print(markdown(result))


def markdown(r: dict) -> str:
    c, p, a = r["class"], r["parallel"], r["per_answer_in_process"]
    lines = [f"# Grading a class (CPU, {r['machine']['cpu']}, {r['machine']['usable_cores']} usable cores, Python "
             f"{r['machine']['python']}, {r['date']})", "",
             "`python benchmarks/grading_benchmark.py --students "
             f"{c['students']} --jobs {p['jobs']}`: in process (no interpreter start-up), a class of "
             f"{c['students']} students x {c['exercises_per_student']} exercises; {c['submissions']} submissions, "
             f"{c['answers']} answers ({', '.join(f'{n} {k}' for k, n in c['mix'].items())}; the rest left out).", "",
             "Load average (1, 5, 15 min) of the machine, shared with other work: "
             + "; ".join(f"{k.replace('_', ' ')} {', '.join(map(str, v))}"
                         for k, v in r["load_average_1_5_15_min"].items()) + ".", "",
             "| what | measured | target |", "|---|---|---|",
             f"| the whole class, `grade_class` with {p['jobs']} worker processes (wall clock) | {p['wall_s']:.1f} s "
             f"({p['answers_per_s']:.0f} answers/s, {p['students_per_s']:.1f} students/s) | under 60 s |",
             f"| every answer again, one `check_answer` at a time in one fresh process | "
             f"{a['answers_per_s_one_process']:.0f} answers/s ({a['cpu_s_total']:.1f} s of CPU) | |",
             f"| answers that ran out of the 1.5 s CPU limit | {a['time_limit_hits']} | 0 |", "",
             "The pool's time includes starting the workers (each imports SymPy and the checker), "
             "reading the key and the submissions, and one result file per student (written and fsync'ed); "
             "the machine's other work shared the cores (load average above). The checks alone took "
             f"{a['cpu_s_total']:.1f} s of CPU in one process.", "",
             "Time of one answer's check (wall clock, seconds):", "",
             "| answers | n | mean | median | p90 | p99 | max |", "|---|---|---|---|---|---|---|"]
    for k, v in a["wall_s"].items():
        lines.append(f"| {k} | {v['n']} | {v['mean']:.4f} | {v['median']:.4f} | {v['p90']:.4f} | {v['p99']:.4f} | "
                     f"{v['max']:.4f} |")
    lines += ["", "Verdicts by mix (correct, incorrect): "
              + "; ".join(f"{k} {v[0]}, {v[1]}" for k, v in sorted(p["verdicts_correct_incorrect_by_mix"].items()))
              + " (a right answer is one the key prints or SymPy's plain text of it; a typical mistake of the key "
                "is never correct).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
