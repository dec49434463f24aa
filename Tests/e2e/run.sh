#!/usr/bin/env bash
# Runs every end-to-end script in this folder against the built binary; prints "N passed, N failed".
set -u
bin=$(realpath "${1:-.build/debug/rhetor}")
here=$(dirname "$0")
pass=0; fail=0
for t in "$here"/test-*.sh; do
  [ -e "$t" ] || continue
  if RHETOR="$bin" bash "$t"; then echo "ok   $(basename "$t")"; pass=$((pass+1)); else echo "FAIL $(basename "$t")"; fail=$((fail+1)); fi
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
