"""Steps per second of the trainer against a minimal hand-written PyTorch loop.

    python benchmarks/training_benchmark.py [--device cpu|cuda|auto] [--repeats 5] [--out benchmarks/results]

Same model (the torch twin), same data (resident on the device), same optimizer object type
and learning rate, same device and dtype, same batch order (the seeded numpy permutation),
timed in one process with the two runs interleaved; the median of the repeats is reported.
The trainer runs as ``deepderive train`` does: writing ``metrics.csv`` every epoch and a
checkpoint every few epochs (``checkpoint every`` in the table) to a run folder. The plain loop does nothing but the steps.

Peak memory: each variant also runs alone in a fresh subprocess and reports its peak
resident set size (``ru_maxrss``) and, on CUDA, ``torch.cuda.max_memory_allocated``.
Results: ``benchmarks/results/training_<device>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from numeric.datasets import make_dataset  # noqa: E402
from numeric.model import DeepNetworkModule, resolve_device  # noqa: E402
from numeric.optimizers import make_optimizer  # noqa: E402
from numeric.losses import nll  # noqa: E402
from numeric.training import _NLL_OPTIONS, TrainConfig, Trainer, resolve_dtype  # noqa: E402
from symbolic.spec import NetworkSpec  # noqa: E402

#: (name, widths, I, optimizer, batch size, epochs, lr, checkpoint every E epochs)
CASES = [
    ("toy gd: 1-8-1, I=40, full batch", (1, 8, 1), 40, "gd", 40, 10000, 0.002, 500),
    ("toy sgd: 1-8-1, I=40, B=8", (1, 8, 1), 40, "sgd", 8, 2000, 0.01, 100),
    ("medium sgd: 1-64-64-1, I=4096, B=64", (1, 64, 64, 1), 4096, "sgd", 64, 32, 0.001, 4),
    ("medium adam: 1-64-64-1, I=4096, B=64", (1, 64, 64, 1), 4096, "adam", 64, 32, 0.001, 4),
    ("large gd: 1-128-128-1, I=8192, full batch", (1, 128, 128, 1), 8192, "gd", 8192, 40, 1e-6, 10),
]


def plain_loop(widths, I, optimizer, B, epochs, lr, device, dtype, every=None, seed=0,
               project_loss=False) -> tuple[int, float, DeepNetworkModule]:
    """The minimal loop: permutation, slice, forward, summed squared error, backward, step.
    The squared error is ``F.mse_loss(reduction="sum")`` (or, with ``project_loss``, the
    project's ``numeric.losses.nll`` that the trainer calls)."""
    data = make_dataset("regression-1d", I)
    X = torch.as_tensor(data.X, dtype=dtype, device=device)  # (I, D_i)
    Y = torch.as_tensor(data.Y, dtype=dtype, device=device)  # (I, 1)
    model = DeepNetworkModule(NetworkSpec(widths, "relu"), dtype, device, torch.Generator().manual_seed(seed))
    opt = make_optimizer(optimizer, model.parameters(), lr)
    rng = np.random.default_rng(seed)
    _sync(device)
    start, steps = time.perf_counter(), 0
    for _ in range(epochs):
        if optimizer == "gd":
            batches = [None]
        else:
            batches = torch.split(torch.from_numpy(rng.permutation(I)).to(device), B)
        for idx in batches:
            xb, yb = (X, Y) if idx is None else (X[idx], Y[idx])
            opt.zero_grad(set_to_none=True)
            loss = (nll("least-squares", model(xb), yb, **_NLL_OPTIONS) if project_loss
                    else F.mse_loss(model(xb), yb, reduction="sum"))
            loss.backward()
            opt.step()
            steps += 1
    _sync(device)
    return steps, time.perf_counter() - start, model


def trainer_run(widths, I, optimizer, B, epochs, lr, device, dtype, every=10, seed=0) -> tuple[int, float, DeepNetworkModule]:
    data = make_dataset("regression-1d", I)
    config = TrainConfig(optimizer=optimizer, lr=lr, batch_size=B, epochs=epochs, seed=seed, checkpoint_every=every,
                         device=str(device), dtype=str(dtype).replace("torch.", ""), progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(NetworkSpec(widths, "relu"), "least-squares", data, config, Path(tmp) / "run")
        _sync(device)
        start = time.perf_counter()
        trainer.run()  # includes the final full-data loss, params.json and summary.json
        _sync(device)
        return trainer.step, time.perf_counter() - start, trainer.model


def _checkpoint_cost(device: torch.device, dtype: torch.dtype, n: int = 20) -> float:
    """Milliseconds per checkpoint write (state, torch.save, fsync, os.replace) of the toy model."""
    data = make_dataset("regression-1d")
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(NetworkSpec((1, 8, 1), "relu"), "least-squares", data,
                          TrainConfig(optimizer="adam", epochs=1, device=str(device), progress=False,
                                      dtype=str(dtype).replace("torch.", "")), Path(tmp) / "run")
        trainer.run()
        start = time.perf_counter()
        for epoch in range(2, n + 2):
            trainer.epoch = epoch
            trainer.save_checkpoint()
        return (time.perf_counter() - start) / n * 1e3


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _memory(case_index: int, variant: str, device: str) -> dict:
    """Peak memory of one variant alone, in a fresh interpreter."""
    out = subprocess.run([sys.executable, __file__, "--memory-of", variant, "--case", str(case_index),
                          "--device", device], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_memory(variant: str, case_index: int, device_name: str) -> None:
    device = resolve_device(device_name)
    dtype = resolve_dtype("auto", device)
    _, widths, I, optimizer, B, epochs, lr, every = CASES[case_index]
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    (trainer_run if variant == "trainer" else plain_loop)(widths, I, optimizer, B, epochs, lr, device, dtype, every)
    result = {"peak_rss_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if device.type == "cuda":
        result["peak_cuda_MiB"] = torch.cuda.max_memory_allocated() / 2**20
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    parser.add_argument("--memory-of", choices=["trainer", "loop"], help=argparse.SUPPRESS)
    parser.add_argument("--case", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--cases", default=None, help="comma-separated case indices (default all)")
    args = parser.parse_args()
    if args.memory_of:
        measure_memory(args.memory_of, args.case, args.device)
        return 0
    device = resolve_device(args.device)
    dtype = resolve_dtype("auto", device)
    chosen = range(len(CASES)) if args.cases is None else [int(c) for c in args.cases.split(",")]
    rows = []
    for index in chosen:
        name, widths, I, optimizer, B, epochs, lr, every = CASES[index]
        plain_loop(widths, I, optimizer, B, 1, lr, device, dtype)  # warm up
        trainer_run(widths, I, optimizer, B, 1, lr, device, dtype, 1)
        rates: dict[str, list[float]] = {"trainer": [], "loop": [], "loop_nll": []}
        loop_nll = lambda *a: plain_loop(*a, project_loss=True)  # noqa: E731
        for _ in range(args.repeats):  # interleaved
            for variant, fn in (("loop", plain_loop), ("trainer", trainer_run), ("loop_nll", loop_nll)):
                steps, seconds, model = fn(widths, I, optimizer, B, epochs, lr, device, dtype, every)
                rates[variant].append(steps / seconds)
        _, _, m_loop = plain_loop(widths, I, optimizer, B, epochs, lr, device, dtype)
        _, _, m_trainer = trainer_run(widths, I, optimizer, B, epochs, lr, device, dtype, every)
        agree = max(float(((a - b).detach().abs() / b.detach().abs().clamp(min=1)).max())
                    for a, b in zip(m_trainer.parameters(), m_loop.parameters()))
        row = {
            "case": name, "optimizer": optimizer, "I": I, "batch_size": B, "epochs": epochs, "checkpoint_every": every,
            "steps_per_epoch": -(-I // B), "loop_steps_per_s": statistics.median(rates["loop"]),
            "trainer_steps_per_s": statistics.median(rates["trainer"]),
            "loop_nll_steps_per_s": statistics.median(rates["loop_nll"]), "loop_nll_repeats": rates["loop_nll"],
            "loop_repeats": rates["loop"], "trainer_repeats": rates["trainer"],
            "final_params_max_rel_diff": agree,
            "memory_loop": _memory(index, "loop", str(device.type)),
            "memory_trainer": _memory(index, "trainer", str(device.type)),
        }
        row["ratio"] = row["trainer_steps_per_s"] / row["loop_steps_per_s"]
        row["ratio_vs_loop_nll"] = row["trainer_steps_per_s"] / row["loop_nll_steps_per_s"]
        rows.append(row)
        print(f"{name}: loop {row['loop_steps_per_s']:.0f} steps/s, trainer {row['trainer_steps_per_s']:.0f} "
              f"steps/s, ratio {row['ratio']:.3f}; peak RSS loop {row['memory_loop']['peak_rss_MiB']:.0f} MiB, "
              f"trainer {row['memory_trainer']['peak_rss_MiB']:.0f} MiB", flush=True)
    meta = {
        "checkpoint_write_ms": _checkpoint_cost(device, dtype),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu",
        "device_type": device.type, "dtype": str(dtype), "torch": torch.__version__, "python": platform.python_version(),
        "threads": torch.get_num_threads(), "repeats": args.repeats, "loadavg_1_5_15": os.getloadavg(), "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"training_{device.type}.json").write_text(json.dumps({"meta": meta, "results": rows}, indent=1) + "\n")
    lines = [f"# Training benchmark ({device.type}: {meta['device']}, {meta['dtype']}, torch {meta['torch']}, "
             f"{meta['threads']} threads, median of {args.repeats}, {meta['date']}, load average "
             f"{meta['loadavg_1_5_15'][0]:.1f})", "",
             f"One checkpoint write (toy model, with fsync): {meta['checkpoint_write_ms']:.2f} ms.", "",
             "loop: F.mse_loss(reduction='sum'); loop (nll): the same loop calling numeric.losses.nll as the trainer "
             "does, so the last ratio is the trainer's own overhead (metrics, checkpoints, bookkeeping).", "",
             "| case | ckpt every | loop steps/s | trainer steps/s | trainer / loop | loop (nll) steps/s "
             "| trainer / loop (nll) | peak RSS loop / trainer (MiB) |"
             + (" peak CUDA loop / trainer (MiB) |" if device.type == "cuda" else ""),
             "|---|---|---|---|---|---|---|---|" + ("---|" if device.type == "cuda" else "")]
    for r in rows:
        line = (f"| {r['case']} | {r['checkpoint_every']} | {r['loop_steps_per_s']:.0f} | {r['trainer_steps_per_s']:.0f} | {r['ratio']:.3f} | "
                f"{r['loop_nll_steps_per_s']:.0f} | {r['ratio_vs_loop_nll']:.3f} | "
                f"{r['memory_loop']['peak_rss_MiB']:.0f} / {r['memory_trainer']['peak_rss_MiB']:.0f} |")
        if device.type == "cuda":
            line += f" {r['memory_loop']['peak_cuda_MiB']:.1f} / {r['memory_trainer']['peak_cuda_MiB']:.1f} |"
        lines.append(line)
    (out / f"training_{device.type}.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
