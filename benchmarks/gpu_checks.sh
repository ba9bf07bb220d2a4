#!/usr/bin/env bash
# The device checks, as one short script for a machine with CUDA (torch, sympy, numpy,
# matplotlib, pytest and hypothesis installed; the packages are top-level folders, so no
# install is needed):
#
#     OUT=benchmarks/results bash benchmarks/gpu_checks.sh
#
# Writes gpu_tests.txt (the `gpu`-marked tests: compiled float32 forward and gradients on the
# GPU against the twin and autograd, GPU training against CPU training), training_cuda.{md,json}
# (trainer vs a plain loop on the GPU) and gpu_notes.txt (`deepderive notes --device cuda`
# timing) under $OUT. Budget: a few minutes.
set -u
out=${OUT:-benchmarks/results}
mkdir -p "$out"
export PYTHONPATH=.
nvidia-smi --query-gpu=name,memory.total --format=csv > "$out/gpu_device.txt" 2>&1
python -m pytest -m gpu -q -p no:cacheprovider -p no:warnings tests 2>&1 | tail -20 > "$out/gpu_tests.txt"
python benchmarks/training_benchmark.py --device cuda --repeats 3 --out "$out" > "$out/training_cuda.log" 2>&1
tmp=$(mktemp -d)
( time python -m derivations notes --out "$tmp" --device cuda --no-pdf ) > "$out/gpu_notes.txt" 2>&1
tail -3 "$out/gpu_tests.txt"
