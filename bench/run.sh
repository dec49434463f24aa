#!/usr/bin/env bash
# `make bench`: throughput, scaling, memory, start-up and training time of `rhetor classify`
# on a generated 200,000-passage corpus, beside scikit-learn on the same corpus.
#
#   bash bench/run.sh path/to/release/rhetor
#
# Environment: BENCH_DIR (work folder, default ${TMPDIR:-/tmp}/rhetor-bench; the corpus and the
# venv are cached there), BENCH_RUNS (runs per measurement, default 3; medians are reported),
# BENCH_MODELS (models folder; default ./Models when it holds models, else trained from corpora/),
# BENCH_SKLEARN=0 to skip the scikit-learn comparison.
set -euo pipefail
bin=$(realpath "${1:?usage: bench/run.sh path/to/rhetor}")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
work=${BENCH_DIR:-${TMPDIR:-/tmp}/rhetor-bench}
mkdir -p "$work"
cd "$repo"

python=python3
if [ "${BENCH_SKLEARN:-1}" != 0 ]; then
  # scikit-learn from PyPI into a local venv (once).
  if [ ! -x "$work/venv/bin/python" ] || ! "$work/venv/bin/python" -c "import sklearn" 2> /dev/null; then
    echo "bench: installing scikit-learn into $work/venv (once)" >&2
    python3 -m venv "$work/venv"
    "$work/venv/bin/python" -m pip install -q --upgrade pip > /dev/null
    "$work/venv/bin/python" -m pip install -q scikit-learn
  fi
  python="$work/venv/bin/python"
fi
exec "$python" "$here/bench.py" --rhetor "$bin" --repo "$repo" --work "$work" --runs "${BENCH_RUNS:-3}" \
  ${BENCH_MODELS:+--models "$BENCH_MODELS"} $([ "${BENCH_SKLEARN:-1}" = 0 ] && echo --no-sklearn)
