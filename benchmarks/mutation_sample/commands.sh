#!/usr/bin/env bash
# The test command of the cosmic-ray sample: the user-facing commands, run on the tree in the
# current directory (cosmic-ray's working copy), each mutant in a fresh output folder.
#
#     bash benchmarks/mutation_sample/commands.sh            # exit 0: every command passed
#
# A mutant is killed when any command exits non-zero (a failed check exits 1, a crash too);
# the commands after the first failure are not run (they cannot un-kill it). When all pass,
# the sha256 of every printed output (notes.tex, slides.tex, the web pages, the exercise
# sheets, solutions and answers, ...) is appended as one JSON line to $MUTATION_HASHES and the
# printed files are kept under $MUTATION_KEEP/<key> (both when set), so report.py can tell a
# survivor that changes no printed byte from one that changes the printed text.
set -u
ROOT=$(pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$ROOT"
export MPLBACKEND=Agg
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mutant.XXXXXX")   # fresh per mutant: no cache crosses mutants
trap 'rm -rf "$TMP"' EXIT
PY=${PYTHON:-python}
codes=()
run() {  # run NAME CMD...: exit 1 at once when the command fails
    local name=$1; shift
    "$@" >"$TMP/$name.log" 2>&1
    local c=$?
    codes+=("$name=$c")
    if [ $c -ne 0 ]; then
        echo "$name exited $c"; tail -n 5 "$TMP/$name.log"
        exit 1
    fi
}
run notes     $PY -m derivations notes --html --no-pdf --no-cache --device cpu --out "$TMP/notes"
run slides    $PY -m derivations slides --no-pdf --device cpu --out "$TMP/slides"
run exercises $PY -m derivations exercises --no-pdf --students 2 --seed 0 --out "$TMP/exercises"
if [ -n "${MUTATION_HASHES:-}" ]; then
    line=$($PY "$HERE/hash_outputs.py" "$TMP" "${codes[@]}")
    echo "$line" >>"$MUTATION_HASHES"
    if [ -n "${MUTATION_KEEP:-}" ]; then
        key=$(echo "$line" | $PY -c 'import json, sys; print(json.load(sys.stdin)["key"])')
        mkdir -p "$MUTATION_KEEP/$key"
        (cd "$TMP" && find . -type f \( -name '*.tex' -o -name '*.html' -o -name '*.json' -o -name '*.csv' -o -name '*.txt' -o -name '*.js' \) \
            -not -path '*/.cache/*' -print0 | xargs -0 -r cp --parents -t "$MUTATION_KEEP/$key")
    fi
fi
exit 0
