#!/usr/bin/env bash
# `rhetor classify | head` composes: the first record arrives at once and the run ends when head
# exits, long before the input is done.
source "$(dirname "$0")/batch-fixture.sh"
make_input 200000 input.jsonl
set +o pipefail   # rhetor ends on SIGPIPE when head exits: that is the point
start=$(date +%s)
first=$(timeout 120 "$RHETOR" classify --models models -q < input.jsonl | head -n 1)
case "$first" in '{"id":"d000000"'*) ;; *) echo "unexpected first record: $first"; exit 1 ;; esac
# Streaming from a slow producer: a record comes out while stdin is still open.
mkfifo slow
( echo '{"id":"s1","text":"Rockets struck the base."}'; sleep 20 ) > slow &
producer=$!
"$RHETOR" classify --models models -q < slow > streamed.jsonl &
consumer=$!
for _ in $(seq 1 150); do [ -s streamed.jsonl ] && break; sleep 0.1; done
got=$(head -c 12 streamed.jsonl)
kill "$producer" "$consumer" 2> /dev/null || true
wait 2> /dev/null || true
[ "$got" = '{"id":"s1","' ] || { echo "no record came out before stdin closed"; exit 1; }
[ $(( $(date +%s) - start )) -lt 60 ] || { echo "too slow: records held back?"; exit 1; }
