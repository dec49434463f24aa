#!/usr/bin/env bash
# Past one machine: GNU parallel --pipe shards stdin over several `rhetor classify` processes.
# The result, sorted by id, equals a single-process run; with -k it is identical byte for byte.
source "$(dirname "$0")/batch-fixture.sh"
command -v parallel > /dev/null || { echo "GNU parallel is not installed: make deps-test (apt-get install parallel)"; exit 1; }
make_input 5000 input.jsonl
"$RHETOR" classify --models models --jobs 1 -q < input.jsonl > single.jsonl
parallel --pipe --block 50k -j 2 "$RHETOR" classify --models models --jobs 1 -q < input.jsonl > sharded.jsonl
parallel --pipe -k --block 50k -j 2 "$RHETOR" classify --models models --jobs 1 -q < input.jsonl > ordered.jsonl
[ "$(wc -l < single.jsonl)" -eq 5000 ] || { echo "single run: expected 5000 records"; exit 1; }
# More than one shard really ran.
[ "$(parallel --pipe --block 50k -j 2 wc -l < input.jsonl | wc -l)" -gt 1 ] || { echo "input was not sharded"; exit 1; }
LC_ALL=C sort single.jsonl > a; LC_ALL=C sort sharded.jsonl > b
cmp -s a b || { echo "sharded output differs from the single-process output after sorting by id"; diff a b | head -5; exit 1; }
cmp -s single.jsonl ordered.jsonl || { echo "parallel -k output differs from the single-process output"; exit 1; }
