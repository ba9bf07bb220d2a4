"""Compile benchmark: ``compile_program`` on the scalar backprop program, compile and evaluate.

    python benchmarks/compile_benchmark.py --label after --out benchmarks/results
    PYTHONPATH=<an older checkout> python benchmarks/compile_benchmark.py --label before --out ...

For ReLU networks with the least-squares loss it times, best of 3 (one torch thread):

- compile: :func:`symbolic.backprop.compile.compile_backprop` (the whole scalar program,
  forward + loss + backward, with CSE), numpy and torch backends;
- evaluate: the compiled numpy and torch functions on a batch of 20,000 samples, float64.

Writes ``compile_<label>.json`` under ``--out``; once a ``before`` and an ``after`` file are
both there it also writes ``compile.md``, the two side by side. Run it from the checkout
whose code it should time (``PYTHONPATH`` decides which ``symbolic`` is imported). Not run
by the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

import numpy as np
import sympy as sp
import torch

from symbolic.backprop.backprop import backprop
from symbolic.backprop.compile import compile_backprop
from symbolic.spec import NetworkSpec

from backprop_benchmark import _best  # noqa: E402 - the sibling benchmark's timer (best of n)

WIDTHS = [(1, 16, 1), (1, 8, 8, 1), (1, 16, 16, 1), (1, 32, 32, 1), (1, 16, 16, 16, 1), (2, 32, 32, 32, 1)]
BATCH = 20_000


def _case(widths: tuple[int, ...]) -> dict:
    bp = backprop(NetworkSpec(widths, "relu"), "least-squares")
    rng = np.random.default_rng(0)
    args = bp.net.inputs + bp.targets + bp.constants + bp.parameters
    values = [rng.uniform(-2, 2, BATCH) for _ in bp.net.inputs + bp.targets] + [
        float(v) for v in rng.uniform(-1, 1, len(bp.parameters))]
    assert len(values) == len(args)
    row: dict = {"widths": list(widths), "parameters": len(bp.parameters), "assignments": len(bp.program)}
    for backend in ("numpy", "torch"):
        fn = compile_backprop(bp, backend)
        row[f"compile_{backend}"] = _best(lambda: compile_backprop(bp, backend))
        inputs = values if backend == "numpy" else [torch.as_tensor(v, dtype=torch.float64) for v in values]
        row[f"eval_{backend}"] = _best(lambda: fn(*inputs))
        out = fn(*inputs)
        row[f"checksum_{backend}"] = float(sum(float(np.asarray(o, dtype=float).sum()) for o in out))
        row["lines"] = fn.n_lines
    return row


def _table(before: dict, after: dict) -> str:
    lines = [
        "# Compile benchmark: `compile_program` before and after it was built on `sympy.lambdify`",
        "",
        f"`python benchmarks/compile_benchmark.py` on {after['machine']}; sympy {sp.__version__}, torch "
        f"{torch.__version__}, 1 torch thread. ReLU, least squares, the whole scalar program (forward, loss, "
        f"backward) compiled with CSE by `compile_backprop`; evaluation on {BATCH:,} samples, float64, CPU. "
        "Seconds, best of 3. `before`: the hand-written code generator and `exec`; `after`: "
        "`sympy.lambdify` with a `cse` callable that returns the program.",
        "",
        "| widths | params | lines | compile numpy before | after | compile torch before | after "
        "| eval numpy before | after | eval torch before | after | same result |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for b, a in zip(before["rows"], after["rows"]):
        same = all(abs(a[f"checksum_{k}"] - b[f"checksum_{k}"]) <= 1e-9 * max(1.0, abs(b[f"checksum_{k}"]))
                   for k in ("numpy", "torch"))
        lines.append(
            f"| {','.join(map(str, a['widths']))} | {a['parameters']} | {a['lines']} "
            f"| {b['compile_numpy']:.3g} | {a['compile_numpy']:.3g} | {b['compile_torch']:.3g} | {a['compile_torch']:.3g} "
            f"| {b['eval_numpy']:.3g} | {a['eval_numpy']:.3g} | {b['eval_torch']:.3g} | {a['eval_torch']:.3g} "
            f"| {'yes' if same else 'NO'} |")
    load = after.get("load")
    lines += ["", f"Load average when measured (1 min): before {before.get('load')}, after {load}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="after", help="before or after")
    parser.add_argument("--out", default="benchmarks/results", help="output folder")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for widths in WIDTHS:
        rows.append(_case(widths))
        print(rows[-1], flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    doc = {"label": args.label, "machine": f"{platform.machine()} {os.cpu_count()} CPUs, {platform.platform()}",
           "load": round(os.getloadavg()[0], 1), "rows": rows}
    (out / f"compile_{args.label}.json").write_text(json.dumps(doc, indent=1))
    before, after = out / "compile_before.json", out / "compile_after.json"
    if before.exists() and after.exists():
        (out / "compile.md").write_text(_table(json.loads(before.read_text()), json.loads(after.read_text())))


if __name__ == "__main__":
    main()
