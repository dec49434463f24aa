#!/usr/bin/env bash
# A data-only plugin (manifest + lexicon + labelled JSONL, no Swift) trains, classifies through
# `rhetor classify`, and its JSONL output validates against the result schema.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
schema="$root/docs/result.schema.json"
# The repository's copy must be the shared contract, when the shared folder is beside the checkout.
if [ -f "$root/../shared/schema/result.schema.json" ]; then cmp -s "$schema" "$root/../shared/schema/result.schema.json" || { echo "docs/result.schema.json differs from shared/schema"; exit 1; }; fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir -p Plugins/Urgency
cat > Plugins/Urgency/plugin.json <<'J'
{"id": "urgency", "summary": "Does the passage call for immediate action?", "labels": ["urgent", "calm"],
 "examples": [{"text": "Act now before it is too late!", "expect": ["urgent"]}]}
J
printf '# entry\tcategory\tweight\tnote\nimmediately\turgent\t1.5\tcall for action now\n' > Plugins/Urgency/lexicon.tsv
cat > train.jsonl <<'J'
{"id": "1", "text": "Act now, the deadline is tonight!", "urgency": "urgent"}
{"id": "2", "text": "Evacuate immediately, the river is rising.", "urgency": "urgent"}
{"id": "3", "text": "We must move today, there is no time left.", "urgency": "urgent"}
{"id": "4", "text": "The committee will review the budget next year.", "urgency": "calm"}
{"id": "5", "text": "Analysts expect slow growth over the decade.", "urgency": "calm"}
{"id": "6", "text": "A quiet session ended without a vote.", "urgency": "calm"}
J
"$RHETOR" train urgency --corpus train.jsonl --models models >/dev/null
printf '{"id":"a","text":"Leave immediately, there is no time!"}\n{"id":"b","text":"The report will be published next year."}\n' \
  | "$RHETOR" classify --models models --plugins urgency > out.jsonl
[ "$(wc -l < out.jsonl)" -eq 2 ] || { echo "expected 2 records"; exit 1; }
python3 - "$schema" out.jsonl <<'P'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
recs = [json.loads(l) for l in open(sys.argv[2])]
for r in recs: jsonschema.validate(r, schema)
assert [r["id"] for r in recs] == ["a", "b"], recs
assert recs[0]["plugins"]["urgency"][0]["label"] == "urgent", recs[0]
assert recs[1]["plugins"]["urgency"][0]["label"] == "calm", recs[1]
ev = recs[0]["plugins"]["urgency"][0]["evidence"]
text = "Leave immediately, there is no time!"
for e in ev:
    if "start" in e: assert text[e["start"]:e["end"]] == e["text"], e
assert any(e["source"].startswith("lexicon:immediately") for e in ev), ev
P
