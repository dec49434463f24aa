#!/usr/bin/env bash
# The progress line shows on stderr when it is a terminal (records/s, MB/s, percent and ETA
# for a file of known size), and never when stderr is a pipe or a file.
source "$(dirname "$0")/batch-fixture.sh"
command -v script > /dev/null || { echo "skip: script(1) not installed"; exit 0; }
make_input 3000 input.jsonl
script -qec "$RHETOR classify --models models input.jsonl -o out.jsonl" tty.log > /dev/null
grep -q "rec/s" tty.log && grep -q "MB/s" tty.log && grep -q "ETA" tty.log || { echo "no progress line on a terminal"; cat -v tty.log | head -5; exit 1; }
"$RHETOR" classify --models models input.jsonl -o out2.jsonl 2> piped.log
! grep -q "rec/s" piped.log || { echo "progress line written to a non-terminal"; exit 1; }
cmp -s out.jsonl out2.jsonl || { echo "output differs with and without a terminal"; exit 1; }
