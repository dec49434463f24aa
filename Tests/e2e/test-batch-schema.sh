#!/usr/bin/env bash
# Every kind of batch output record (plain, segment, aggregate, error) validates against
# shared/schema/result.schema.json.
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/batch-fixture.sh"
schema=""
for s in "${SCHEMA:-}" "$repo/docs/result.schema.json" "$repo/../shared/schema/result.schema.json"; do
  [ -n "$s" ] && [ -f "$s" ] && { schema=$s; break; }
done
[ -n "$schema" ] || { echo "skip: result.schema.json not found (set SCHEMA)"; exit 0; }
python3 -c "import jsonschema" 2> /dev/null || { echo "python3 jsonschema missing: make deps-test"; exit 1; }
{
  echo '{"id":"p1","text":"Rockets struck the base.\n\nTalks resumed in Baghdad. Ministers agreed."}'
  echo '{"id":"p2","text":""}'
  echo 'not json'
} > input.jsonl
"$RHETOR" classify --models models -q --on-error record --segment sentence --aggregate < input.jsonl > out.jsonl
"$RHETOR" classify --models models -q --on-error record < input.jsonl >> out.jsonl
python3 - "$schema" out.jsonl <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
n = 0
for line in open(sys.argv[2]):
    jsonschema.validate(json.loads(line), schema); n += 1
kinds = [json.loads(l) for l in open(sys.argv[2])]
assert any('segment' in k for k in kinds) and any('segments' in k for k in kinds) and any('error' in k for k in kinds), kinds
print(f"{n} records valid")
PY
