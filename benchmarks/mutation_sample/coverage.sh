#!/usr/bin/env bash
# Which lines the commands of commands.sh run on the unmutated tree in the current directory:
# writes coverage.json there (report.py --coverage coverage.json splits the survivors that
# change no printed byte into reached and not reached).
#
#     bash benchmarks/mutation_sample/coverage.sh
set -eu
export PYTHONPATH="$(pwd)" MPLBACKEND=Agg
TMP=$(mktemp -d "${TMPDIR:-/tmp}/coverage.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
SRC=symbolic,derivations/topics,derivations/documents,derivations/figures,derivations/exercises
COV="python -m coverage run -p --data-file=$TMP/.coverage --source=$SRC -m derivations"
$COV notes --html --no-pdf --no-cache --device cpu --out "$TMP/notes" >/dev/null
$COV slides --no-pdf --device cpu --out "$TMP/slides" >/dev/null
$COV exercises --no-pdf --students 2 --seed 0 --out "$TMP/exercises" >/dev/null
python -m coverage combine --data-file="$TMP/.coverage" "$TMP" >/dev/null
python -m coverage json --data-file="$TMP/.coverage" -o coverage.json >/dev/null
echo "wrote coverage.json"
