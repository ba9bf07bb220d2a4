"""Report of the cosmic-ray sample: score, outcomes and the triage of every survivor.

    python benchmarks/mutation_sample/report.py [--tree DIR] [--keep DIR] [--coverage FILE.json]

reads (defaults under ``benchmarks/results/``)

- ``mutation_sample.sqlite``: the cosmic-ray session (the sampled work items and results),
- ``mutation_sample.population.json``: what ``sample.py`` wrote (population, seed),
- ``mutation_sample_hashes.jsonl``: one line per mutant that passed every command
  (``commands.sh``), the sha256 of each printed output,
- ``mutation_sample_baseline.jsonl``: the same for runs of the unmutated tree (two or more:
  a file whose hash differs between them is volatile and never counts as a change),

and writes ``mutation_sample.md`` and ``mutation_sample.json``.

A survivor is matched to its hash line by :func:`hash_outputs.diff_key` of cosmic-ray's diff.
It is **printed change** when some printed file differs from the baseline (the important
class: the text a student reads changed while every check passed; the excerpt is a diff of
the kept outputs, ``--keep`` = ``$MUTATION_KEEP`` of the run, against the baseline's), else
**no printed change**, split with ``--coverage`` (``coverage json`` of one baseline run of
the commands) into *not reached* (the mutated lines never ran) and *reached* (ran, and no
printed byte changed: equivalent for the printing promise, or caught by nothing printed).
Excerpts already in an earlier ``mutation_sample.json`` are kept when ``--keep`` is absent.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import difflib
from fnmatch import fnmatch
import json
import sqlite3
import subprocess
import sys
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hash_outputs import diff_key  # noqa: E402

RESULTS = Path(__file__).resolve().parent.parent / "results"

#: When hash_outputs.py began to hash the figures' PNG files (the sample was then 20 mutants in).
PNG_SINCE = "2026-12-03 20:29 UTC"

#: What hash_outputs.py hashed before it recorded its patterns (the first mutants: no figures).
OLD_PATTERNS = ("*.tex", "*.html", "*.json", "*.csv", "*.txt", "*.js", "*.ipynb")


def outcome(row: dict) -> str:
    """killed, timeout, survived, incompetent, error or pending (no result yet)."""
    if row["worker_outcome"] is None:
        return "pending"
    worker, test = row["worker_outcome"].lower(), (row["test_outcome"] or "").lower()  # stored as enum names
    if worker == "skipped":
        return "skipped"
    if worker in ("exception", "abnormal", "no-test", "no_test"):
        return "error"
    if test == "incompetent":
        return "incompetent"
    if test == "killed":
        return "timeout" if (row["output"] or "").strip() == "timeout" else "killed"
    return "survived"


def changed_lines(diff: str) -> tuple[list[str], list[str]]:
    """The ``-`` and ``+`` lines of a unified diff, headers dropped."""
    lines = [line for line in (diff or "").splitlines()
             if not line.startswith(("+++", "---")) and line[1:].strip()]
    return ([line[1:].strip() for line in lines if line.startswith("-")],
            [line[1:].strip() for line in lines if line.startswith("+")])


def in_postponed_annotation(tree: Path, module: str, row: int, col: int) -> bool:
    """Whether (row, col) lies in a type annotation of a module that postpones their
    evaluation (``from __future__ import annotations``): such a mutant is equivalent."""
    try:
        text = subprocess.run(["git", "-C", str(tree), "show", f"HEAD:{module}"], capture_output=True,
                              text=True, check=True).stdout
        module_ast = ast.parse(text)
    except (OSError, subprocess.CalledProcessError, SyntaxError):
        return False
    if not any(isinstance(node, ast.ImportFrom) and node.module == "__future__"
               and any(alias.name == "annotations" for alias in node.names) for node in module_ast.body):
        return False
    annotations = []
    for node in ast.walk(module_ast):
        if isinstance(node, ast.arg) and node.annotation is not None:
            annotations.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
    return any((a.lineno, a.col_offset) <= (row, col) < (a.end_lineno, a.end_col_offset) for a in annotations)


#: The order in which changed outputs are shown: what a student reads first.
SHOW_FIRST = ("notes/notes.tex", "slides/slides.tex", "notes/html/", "exercises/sheets/",
              "exercises/solutions/", "exercises/answers.json")


def show_order(name: str) -> tuple[int, str]:
    return next((i for i, prefix in enumerate(SHOW_FIRST) if name.startswith(prefix)), len(SHOW_FIRST)), name


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def excerpt(before: Path, after: Path, limit: int = 10, width: int = 180) -> str:
    """The first ``limit`` changed lines of ``before`` -> ``after`` (unified, no context)."""
    old = before.read_text(errors="replace").splitlines() if before.exists() else []
    new = after.read_text(errors="replace").splitlines() if after.exists() else []
    lines = [line for line in difflib.unified_diff(old, new, lineterm="", n=0)][2:]
    removed = [line for line in lines if line.startswith("-")]
    added = [line for line in lines if line.startswith("+")]
    # a long line (a web page's MathML) is shown around its first difference from its partner
    partner = dict(zip(removed, added)) | dict(zip(added, removed))
    lines = [window(line, partner.get(line, ""), width) for line in lines]
    more = len(lines) - limit
    return "\n".join(lines[:limit] + ([f"... ({more} more diff lines)"] if more > 0 else []))


def source_line(tree: Path, module: str, line: int) -> str:
    """Line ``line`` of ``module`` as committed in ``tree`` (the working copy may be mutated)."""
    try:
        text = subprocess.run(["git", "-C", str(tree), "show", f"HEAD:{module}"], capture_output=True,
                              text=True, check=True).stdout
        return text.splitlines()[line - 1].strip()
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "?"


def window(line: str, other: str, width: int) -> str:
    """``line`` cut to ``width`` characters around its first difference from ``other``."""
    if len(line) <= width:
        return line
    common = next((i for i, (a, b) in enumerate(zip(line[1:], other[1:]), 1) if a != b),
                  min(len(line), len(other)))  # past the diff's own + / - mark
    start = max(1, common - width // 3)
    return line[0] + "…" + line[start:start + width] + ("…" if start + width < len(line) else "")


def load(session: Path) -> list[dict]:
    db = sqlite3.connect(session)
    db.row_factory = sqlite3.Row
    rows = db.execute(
        "SELECT s.job_id, s.module_path, s.operator_name, s.occurrence, s.start_pos_row,"
        " s.start_pos_col, s.end_pos_row, s.definition_name, r.worker_outcome, r.test_outcome, r.output, r.diff"
        " FROM mutation_specs s LEFT JOIN work_results r ON r.job_id = s.job_id"
        " ORDER BY s.module_path, s.start_pos_row, s.operator_name").fetchall()
    return [dict(row) for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--tree", type=Path, default=Path("."),
                        help="the working copy cosmic-ray ran in (for the commit)")
    parser.add_argument("--keep", type=Path, help="the run's $MUTATION_KEEP (survivors' outputs)")
    parser.add_argument("--baseline-keep", type=Path, help="a baseline run's kept outputs")
    parser.add_argument("--coverage", type=Path, help="coverage json of a baseline run of the commands")
    args = parser.parse_args(argv)
    res = args.results
    population = json.loads((res / "mutation_sample.population.json").read_text())
    rows = load(res / "mutation_sample.sqlite")
    hashes = {line["key"]: line for line in read_jsonl(res / "mutation_sample_hashes.jsonl")}
    baselines = read_jsonl(res / "mutation_sample_baseline.jsonl")
    base: dict[str, str] = {}
    for b in baselines:
        for name, digest in b["hashes"].items():
            base.setdefault(name, digest)
    base_patterns = {p for b in baselines for p in b.get("patterns", OLD_PATTERNS)}
    volatile = sorted({name for a in baselines for b in baselines
                       for name in set(a["hashes"]) & set(b["hashes"]) if a["hashes"][name] != b["hashes"][name]})
    previous = {}
    if (res / "mutation_sample.json").exists():
        previous = {m["job_id"]: m for m in json.loads((res / "mutation_sample.json").read_text())["mutants"]}
    executed: dict[str, set[int]] = {}
    statements: dict[str, set[int]] = {}
    if args.coverage:
        for name, data in json.loads(args.coverage.read_text())["files"].items():
            executed[Path(name).as_posix()] = set(data["executed_lines"])
            statements[Path(name).as_posix()] = set(data["executed_lines"]) | set(data["missing_lines"])

    mutants = []
    for row in rows:
        removed, added = changed_lines(row["diff"])
        item = {
            "job_id": row["job_id"], "module": row["module_path"], "line": row["start_pos_row"],
            "end_line": row["end_pos_row"], "definition": row["definition_name"],
            "operator": row["operator_name"].removeprefix("core/"), "occurrence": row["occurrence"],
            "outcome": outcome(row), "removed": removed, "added": added,
        }
        if not removed and not added:  # not run yet: the line it will mutate
            item["removed"] = [source_line(args.tree, row["module_path"], row["start_pos_row"])]
        if item["outcome"] == "killed":
            first = (row["output"] or "").strip().splitlines()[:1]
            item["killed_by"] = first[0].split(" exited")[0] if first and " exited " in first[0] else "?"
            code = first[0].rsplit(" ", 1)[-1] if first and " exited " in first[0] else "?"
            # exit 1: a check failed; 2: the command's one-line error (an exception); else a crash
            item["killed_how"] = {"1": "failed check", "2": "error"}.get(code, f"crash (exit {code})")
        if item["outcome"] == "survived":
            line = hashes.get(diff_key(row["diff"] or ""))
            if line is None:
                item["triage"] = "no hashes recorded"
            else:
                hashed = set(line.get("patterns", OLD_PATTERNS)) & base_patterns  # what both runs hashed
                item["figures_compared"] = "*.png" in hashed
                changed = sorted(name for name in set(line["hashes"]) | set(base)
                                 if name not in volatile and any(fnmatch(Path(name).name, p) for p in hashed)
                                 and line["hashes"].get(name) != base.get(name))
                item["changed_files"] = changed
                if changed:
                    item["triage"] = "printed change"
                    if args.keep and args.baseline_keep and (args.keep / line["key"]).is_dir():
                        shown = sorted(changed, key=show_order)[:3]
                        item["excerpt"] = {name: (excerpt(args.baseline_keep / name, args.keep / line["key"] / name)
                                                  if not name.endswith(".png") else "(figure: the PNG's bytes differ)")
                                           for name in shown}
                    elif "excerpt" in previous.get(row["job_id"], {}):
                        item["excerpt"] = previous[row["job_id"]]["excerpt"]
                else:
                    item["triage"] = "no printed change"
                    if in_postponed_annotation(args.tree, row["module_path"], row["start_pos_row"],
                                               row["start_pos_col"]):
                        item["equivalent"] = "a type annotation, never evaluated (postponed annotations)"
                    lines = executed.get(row["module_path"])
                    if lines is not None:
                        # coverage counts a statement on its first line: the mutated line's
                        # statement is the last statement line at or before it
                        starts = [n for n in statements[row["module_path"]] if n <= row["start_pos_row"]]
                        item["reached"] = bool(starts) and max(starts) in lines
                    elif executed:
                        item["reached"] = False  # the module was never imported by the commands
                    elif "reached" in previous.get(row["job_id"], {}):
                        item["reached"] = previous[row["job_id"]]["reached"]
        mutants.append(item)

    count = {k: sum(m["outcome"] == k for m in mutants)
             for k in ("killed", "timeout", "survived", "incompetent", "error", "pending")}
    ran = len(mutants) - count["pending"]
    decided = count["killed"] + count["timeout"] + count["survived"]
    try:
        commit = subprocess.run(["git", "-C", str(args.tree), "rev-parse", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    summary = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "cosmic_ray": metadata.version("cosmic-ray"),
        "modules": sorted({p.split("/")[0] if p.startswith("symbolic") else "/".join(p.split("/")[:2])
                           for p in population["by_module"]}),
        "operators": sorted({name.removeprefix("core/").split("_")[0] for name in population["by_operator"]}),
        "population": population["population"],
        "sample": population["size"], "seed": population["seed"], "method": population["method"],
        "ran": ran, **count,
        "killed_by_failed_check": sum(m.get("killed_how") == "failed check" for m in mutants),
        "killed_by_error": sum(m.get("killed_how") == "error" for m in mutants),
        "killed_by_crash": sum(m.get("killed_how", "").startswith("crash") for m in mutants),
        "score": round((count["killed"] + count["timeout"]) / decided, 3) if decided else None,
        "score_without_timeouts": (round(count["killed"] / (count["killed"] + count["survived"]), 3)
                                   if count["killed"] + count["survived"] else None),
        "survivors_printed_change": sum(m.get("triage") == "printed change" for m in mutants),
        "survivors_no_printed_change": sum(m.get("triage") == "no printed change" for m in mutants),
        "volatile_outputs": volatile,
        "baseline_runs": len(baselines),
        "png_since": PNG_SINCE,
    }
    (res / "mutation_sample.json").write_text(json.dumps({"summary": summary, "mutants": mutants}, indent=1) + "\n")
    (res / "mutation_sample.md").write_text(markdown(summary, mutants))
    print(f"{ran} of {summary['sample']} run: {count['killed']} killed, {count['timeout']} timeout, "
          f"{count['survived']} survived, {count['incompetent']} incompetent, {count['error']} error; "
          f"score {summary['score']}")
    return 0


def mutation_text(m: dict) -> str:
    removed = " / ".join(m["removed"]) or "?"
    if m["outcome"] == "pending":
        return f"{m['operator']} in `{removed}`".replace("|", "\\|")
    added = " / ".join(m["added"]) or "(line removed)"
    return f"{m['operator']}: `{removed}` → `{added}`".replace("|", "\\|")


def markdown(s: dict, mutants: list[dict]) -> str:
    out = [
        "# Mutation sample: how many mutations nobody chose do the commands catch?",
        "",
        "Measured by `benchmarks/mutation_sample/` (see its README.md to rerun or resume).",
        "",
        "| | |", "| --- | --- |",
        f"| date | {s['date']} |",
        f"| commit | `{s['commit']}` |",
        f"| cosmic-ray | {s['cosmic_ray']} |",
        f"| mutated modules | {', '.join(f'`{m}`' for m in s['modules'])} |",
        f"| operators | every argument-free core operator: {', '.join(s['operators'])} |",
        f"| population | {s['population']} mutants |",
        f"| sample | {s['sample']}, seed {s['seed']}: `{s['method']}` |",
        "| test command | `deepderive notes --html --no-pdf --no-cache`, `deepderive slides --no-pdf`, "
        "`deepderive exercises --no-pdf --students 2` (fresh output folder per mutant; killed = some "
        "command exits non-zero; per-mutant timeout 600 s) |",
        f"| run so far | {s['ran']} of {s['sample']} |",
        f"| killed | {s['killed']}: {s['killed_by_failed_check']} by a failed check (exit 1), "
        f"{s['killed_by_error']} by an error line (exit 2: the mutant raised), {s['killed_by_crash']} by a crash |",
        f"| timeout (counted as killed in the score) | {s['timeout']} |",
        f"| survived | {s['survived']} |",
        f"| incompetent | {s['incompetent']} |",
        f"| worker error | {s['error']} |",
        f"| **score** (killed + timeout) / (killed + timeout + survived) | **{s['score']}** |",
        f"| score without timeouts, killed / (killed + survived) | {s['score_without_timeouts']} |",
        f"| survivors that change printed output | {s['survivors_printed_change']} |",
        f"| survivors that change no printed byte | {s['survivors_no_printed_change']} |",
        "",
        f"Baseline: {s['baseline_runs']} runs of the unmutated tree; outputs whose hash differs between "
        f"them (never counted as a change): {', '.join(f'`{v}`' for v in s['volatile_outputs']) or 'none'}.",
        "",
        "Printed outputs compared: every `.tex`, `.html`, `.json`, `.csv`, `.txt`, `.js` file the three "
        "commands write (the notes, the slides, the web pages, the exercise sheets, solutions, answers "
        "and self-check files, the training run's records); from the mutants run after "
        f"{s['png_since']} on, the figures' PNG files too (the PDF and SVG figures carry a date and random "
        "ids). A mutant run before that whose only change is a figure counts as *no printed change*; "
        "such survivors that could draw a figure were run again with `cosmic-ray mutate-and-test` "
        "(the last hash line of a mutant wins). Survivors whose figures were not compared: "
        + (", ".join(f"`{m['module']}:{m['line']}`" for m in mutants
                     if m["outcome"] == "survived" and m.get("figures_compared") is False) or "none") + ".",
        "",
    ]
    printed = [m for m in mutants if m.get("triage") == "printed change"]
    out += ["## Survivors that change printed output (every check passed)", ""]
    if not printed:
        out += ["None so far.", ""]
    for m in printed:
        out += [f"### `{m['module']}:{m['line']}` ({m['definition']})", "",
                f"- mutation: {mutation_text(m)}",
                f"- changed outputs: {', '.join(f'`{f}`' for f in m['changed_files'])}", ""]
        for name, text in m.get("excerpt", {}).items():
            out += [f"`{name}`:", "", "```diff", text, "```", ""]
    out += ["## All survivors", "",
            "| module:line | definition | mutation | triage |", "| --- | --- | --- | --- |"]
    for m in mutants:
        if m["outcome"] != "survived":
            continue
        triage = m.get("triage", "")
        if triage == "no printed change" and m.get("equivalent"):
            triage += f"; equivalent: {m['equivalent']}"
        elif triage == "no printed change" and "reached" in m:
            triage += ("; reached by the commands, no printed byte changed" if m["reached"]
                       else "; not reached by the commands")
        out.append(f"| `{m['module']}:{m['line']}` | `{m['definition']}` | {mutation_text(m)} | {triage} |")
    out += ["", "## Every sampled mutant", "",
            "| module:line | mutation | outcome |", "| --- | --- | --- |"]
    for m in mutants:
        detail = m["outcome"] + (f" ({m['killed_by']}: {m['killed_how']})" if m.get("killed_by") else "")
        out.append(f"| `{m['module']}:{m['line']}` | {mutation_text(m)} | {detail} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
