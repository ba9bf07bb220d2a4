"""Backpropagation benchmark: derive, compile and evaluate the gradient, beside naive
``sympy.diff`` and torch autograd.

    python benchmarks/backprop_benchmark.py --out benchmarks/results [--threads 1] [--no-naive]

For widths [1, D, ..., D, 1] (K = 1..4 hidden layers, D = 2..64) and the target
[2, 32, 32, 32, 1], all ReLU with the least-squares loss, it records

- derive: :func:`symbolic.backprop.backprop.backprop` (forward program, loss, reverse-mode backward);
- program size: assignments and SymPy operation count (program + gradient expressions);
- compile (layers): :func:`symbolic.backprop.compile.compile_layers`, including the
  element-by-element matrix-form check; and compile (scalar): ``compile_program`` with CSE
  of the whole scalar program (up to 2,500 parameters);
- evaluation of the gradient of L = sum_i l_i on a batch of 100,000 samples, float64, CPU:
  layer-wise compiled, scalar compiled (in chunks of 20,000, up to 2,500 parameters), and
  torch autograd on the twin (forward + backward), best of 3;
- naive: ``sympy.diff`` of the fully substituted loss for every parameter, in a subprocess
  killed after 60 s; larger D for the same K are skipped once one case times out.

Writes ``backprop.json`` and ``backprop.md`` under ``--out``. Not run by the test suite.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sympy as sp  # noqa: E402
import torch  # noqa: E402

from derivations.checks.crosscheck import random_inputs, random_targets  # noqa: E402
from numeric.losses import nll  # noqa: E402
from symbolic.backprop.backprop import backprop  # noqa: E402
from symbolic.backprop.compile import compile_backprop, compile_layers, evaluate_backprop  # noqa: E402
from symbolic.spec import NetworkSpec  # noqa: E402

LOSS = "least-squares"
BATCH = 100_000
SCALAR_LIMIT = 2_500  # parameters: above this the scalar program is not compiled
NAIVE_LIMIT_S = 60.0


def _best(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _naive_worker(widths, queue) -> None:
    t0 = time.perf_counter()
    bp = backprop(NetworkSpec(tuple(widths), "relu"), LOSS)
    composed = bp.substituted_loss()
    for p in bp.parameters:
        sp.diff(composed, p)
    queue.put(time.perf_counter() - t0)


def naive_diff_seconds(widths, limit: float = NAIVE_LIMIT_S) -> float | None:
    """Seconds for substitution + sympy.diff of every parameter, or None past ``limit``."""
    queue: mp.Queue = mp.Queue()
    proc = mp.Process(target=_naive_worker, args=(list(widths), queue))
    proc.start()
    proc.join(limit)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None
    return queue.get() if not queue.empty() else None


def measure(widths: tuple[int, ...]) -> dict:
    spec = NetworkSpec(widths, "relu")
    row: dict = {"widths": list(widths), "K": spec.K, "D": max(spec.hidden), "parameters": spec.n_parameters}
    t0 = time.perf_counter()
    bp = backprop(spec, LOSS)
    row["derive_s"] = time.perf_counter() - t0
    row["assignments"] = len(bp.program) + len(bp.parameters)
    row["operations"] = int(sum(sp.count_ops(e) for _, e in bp.program) + sum(sp.count_ops(g) for g in bp.gradient.values()))
    t0 = time.perf_counter()
    layers = compile_layers(bp, "torch")
    row["compile_layers_s"] = time.perf_counter() - t0

    module, X = random_inputs(spec, BATCH, seed=0)
    Y = random_targets(LOSS, spec, BATCH, seed=0)
    tensors = {k: v.detach() for k, v in module.named_parameters()}

    def autograd() -> None:
        module.zero_grad(set_to_none=True)
        nll(LOSS, module(X), Y).backward()

    def derived() -> None:
        with torch.no_grad():
            layers(X, Y, tensors)

    row["eval_layers_s"] = _best(derived)
    row["eval_autograd_s"] = _best(autograd)
    autograd()
    result = layers(X, Y, tensors)
    row["max_rel_error_vs_autograd"] = max(
        float(((result.gradient[k] - p.grad).abs() / p.grad.abs().clamp(min=1.0)).max()) for k, p in module.named_parameters())

    if spec.n_parameters <= SCALAR_LIMIT:
        t0 = time.perf_counter()
        scalar = compile_backprop(bp, "torch")
        row["compile_scalar_s"] = time.perf_counter() - t0
        row["scalar_lines"] = scalar.n_lines

        def scalar_eval() -> None:
            with torch.no_grad():
                for start in range(0, BATCH, 20_000):
                    chunk = slice(start, start + 20_000)
                    evaluate_backprop(bp, scalar, X[chunk], Y[chunk], tensors)

        row["eval_scalar_s"] = _best(scalar_eval, repeats=1)
    return row


def markdown(rows: list[dict], meta: dict) -> str:
    def s(value, digits=3):
        return "-" if value is None else (f"{value:.{digits}g}" if isinstance(value, float) else str(value))

    lines = [
        "# Backpropagation benchmark",
        "",
        f"`{meta['command']}` on {meta['machine']}; torch {meta['torch']}, sympy {meta['sympy']}, "
        f"{meta['threads']} torch threads. ReLU, least squares, float64, CPU, batch {BATCH:,} samples "
        "(gradient of L = sum_i l_i). Times in seconds; evaluation is the best of 3 "
        "(scalar program: one run, in chunks of 20,000). naive: substitution + `sympy.diff` for "
        f"every parameter, killed after {NAIVE_LIMIT_S:.0f} s ('>60' = timed out, '-' = skipped after a timeout).",
        "",
        "| widths | params | derive | assignments | ops | ops/param | compile layers | compile scalar | "
        "eval layers | eval autograd | layers/autograd | eval scalar | max rel err | naive diff |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        naive = r.get("naive_diff_s", "skipped")
        naive_text = ">60" if naive is None else ("-" if naive == "skipped" else f"{naive:.3g}")
        lines.append(
            f"| {','.join(map(str, r['widths']))} | {r['parameters']} | {s(r['derive_s'])} | {r['assignments']} | "
            f"{r['operations']} | {r['operations'] / r['parameters']:.2f} | {s(r['compile_layers_s'])} | "
            f"{s(r.get('compile_scalar_s'))} | {s(r['eval_layers_s'])} | {s(r['eval_autograd_s'])} | "
            f"{r['eval_layers_s'] / r['eval_autograd_s']:.2f} | {s(r.get('eval_scalar_s'))} | "
            f"{r['max_rel_error_vs_autograd']:.1e} | {naive_text} |")
    target = next(r for r in rows if r["widths"] == [2, 32, 32, 32, 1])
    derive_compile = target["derive_s"] + target["compile_layers_s"]
    ratio = target["eval_layers_s"] / target["eval_autograd_s"]
    ratios = [r["operations"] / r["parameters"] for r in rows]
    lines += [
        "",
        "## Targets",
        "",
        f"- [2, 32, 32, 32, 1] derived and compiled (layer-wise) in {derive_compile:.2f} s (target <= 10 s): "
        f"{'met' if derive_compile <= 10 else 'MISSED'}; with the scalar program compiled too: "
        f"{derive_compile + target.get('compile_scalar_s', float('nan')):.2f} s.",
        f"- program size linear in the parameter count: operations per parameter range "
        f"{min(ratios):.2f} to {max(ratios):.2f} over {min(r['parameters'] for r in rows)} to "
        f"{max(r['parameters'] for r in rows)} parameters.",
        f"- compiled-gradient evaluation within 2x of torch autograd for [2, 32, 32, 32, 1]: layer-wise "
        f"{ratio:.2f}x ({'met' if ratio <= 2 else 'MISSED'}); the scalar program "
        f"{target['eval_scalar_s'] / target['eval_autograd_s']:.1f}x (not a target path: it verifies, "
        "the layer-wise compilation of the same checked program is what is fast).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results", help="output folder")
    parser.add_argument("--widths", default="2,4,8,16,32,64", help="hidden widths D to try")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive sympy.diff baseline")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: stable timings on a shared 2-core machine)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    Ds = [int(d) for d in args.widths.split(",")]
    cases = [tuple([1] + [D] * K + [1]) for K in range(1, 5) for D in Ds] + [(2, 32, 32, 32, 1)]
    rows = []
    for widths in cases:
        row = measure(widths)
        rows.append(row)
        print(f"{','.join(map(str, widths)):>18}  params {row['parameters']:6d}  derive {row['derive_s']:.2f}s  "
              f"compile {row['compile_layers_s']:.2f}s  layers {row['eval_layers_s']:.3f}s  "
              f"autograd {row['eval_autograd_s']:.3f}s", flush=True)
    if not args.no_naive:
        timed_out_at: dict[int, bool] = {}
        for row in rows:
            if row["widths"][0] != 1 or timed_out_at.get(row["K"]):
                continue
            row["naive_diff_s"] = naive_diff_seconds(row["widths"])
            timed_out_at[row["K"]] = row["naive_diff_s"] is None
            print(f"naive {row['widths']}: {row['naive_diff_s']}", flush=True)
    meta = {"command": "python benchmarks/backprop_benchmark.py --out benchmarks/results",
            "machine": f"{platform.machine()} {os.cpu_count()} CPUs, {platform.platform()}",
            "torch": torch.__version__, "sympy": sp.__version__, "threads": torch.get_num_threads()}
    (out / "backprop.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    (out / "backprop.md").write_text(markdown(rows, meta))
    print(markdown(rows, meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
