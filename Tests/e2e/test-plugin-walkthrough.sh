#!/usr/bin/env bash
# Follows docs/plugins.md's two walk-throughs in a temporary copy of the repository, exactly as
# written there, then checks that both new plugins are registered, trained and classify.
#
# The walk-through's steps are the doc's fenced blocks tagged `walkthrough`, in order:
#   ```sh walkthrough                              run in the copy (`rhetor` is the binary)
#   ```LANG walkthrough file=PATH                  write the block to PATH
#   ```swift walkthrough file=PATH replace=examples replace the descriptor's examples in PATH
# so the doc cannot drift from what this script proves. `rhetor` is $RHETOR until the copy
# has built its own binary (the walk-through's `make release`), then that one. The one build
# goes to the copy's own .build (a few minutes on two cores).
set -euo pipefail
: "${RHETOR:?set RHETOR to the rhetor binary}"
RHETOR=$(realpath "$RHETOR")
root=$(cd "$(dirname "$0")/../.." && pwd)
doc="$root/docs/plugins.md"
work=$(mktemp -d "${TMPDIR:-/tmp}/rhetor-walkthrough.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. A copy of the repository: the files git knows (tracked and new, not ignored), else all but builds.
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$root" && git ls-files -z --cached --others --exclude-standard \
     | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
     | tar --null -T - -cf -) | tar -xf - -C "$work"
else
  tar -C "$root" --exclude='./.build*' --exclude='./.git' -cf - . | tar -xf - -C "$work"
fi
cd "$work"
for p in Urgency Hedging; do [ ! -e "Plugins/$p" ] || { echo "Plugins/$p already exists in the repository; the walk-through needs a fresh name"; exit 1; }; done

# 2. The steps, extracted from the doc.
steps="$work/.walkthrough"
mkdir -p "$steps"
python3 - "$doc" "$steps" <<'PY'
import re, sys
doc, out = sys.argv[1], sys.argv[2]
n = 0
lines = open(doc, encoding="utf-8").read().split("\n")
i = 0
while i < len(lines):
    m = re.match(r"^```(\w+) walkthrough(.*)$", lines[i])
    if not m:
        i += 1
        continue
    j = i + 1
    while lines[j] != "```":
        j += 1
    body = "\n".join(lines[i + 1:j]) + "\n"
    attrs = dict(a.split("=", 1) for a in m.group(2).split())
    n += 1
    kind = "run" if m.group(1) == "sh" and not attrs else ("replace-examples" if attrs.get("replace") == "examples" else "write")
    with open(f"{out}/{n:02d}.{kind}", "w", encoding="utf-8") as f:
        if kind != "run":
            f.write(attrs["file"] + "\n")
        f.write(body)
    i = j + 1
print(f"{n} walk-through steps in {doc}", file=sys.stderr)
PY
[ "$(ls "$steps" | grep -c run)" -ge 3 ] || { echo "docs/plugins.md: expected walk-through blocks"; exit 1; }

rhetor() { if [ -x "$work/.build/release/rhetor" ]; then "$work/.build/release/rhetor" "$@"; else "$RHETOR" "$@"; fi; }
export -f rhetor; export work RHETOR

for step in "$steps"/*; do
  case "$step" in
    *.run)
      echo "\$ $(head -n 1 "$step")…"
      bash -euo pipefail "$step" > "$step.out" 2>&1 || { cat "$step.out"; echo "walk-through step failed: $step"; exit 1; } ;;
    *.write)
      path=$(head -n 1 "$step"); mkdir -p "$(dirname "$path")"; tail -n +2 "$step" > "$path" ;;
    *.replace-examples)
      path=$(head -n 1 "$step")
      python3 - "$path" "$step" <<'PY'
import re, sys
path, step = sys.argv[1], sys.argv[2]
src = open(path, encoding="utf-8").read()
new = "".join(open(step, encoding="utf-8").readlines()[1:]).rstrip("\n")
out, n = re.subn(r"^[ \t]*examples: \[\n(?:.*\n)*?[ \t]*\]\)", lambda _: new, src, count=1, flags=re.M)
assert n == 1, f"{path}: no `examples: [ … ])` block to replace"
open(path, "w", encoding="utf-8").write(out)
PY
      ;;
  esac
done

# 3. Checks: registered, built, trained, and classifying as the doc says.
fail() { echo "FAIL: $*"; exit 1; }
grep -q '("UrgencyPlugin", "Plugins/Urgency"),' Package.swift || fail "Package.swift lacks the Urgency target"
grep -q '^import UrgencyPlugin$' Sources/RhetorPlugins/Registry.swift && grep -q 'UrgencyPlugin.self,' Sources/RhetorPlugins/Registry.swift || fail "Registry.swift lacks UrgencyPlugin"
[ -x .build/release/rhetor ] || fail "the walk-through did not build rhetor"
[ -f Models/urgency.model ] && [ -f Models/hedging.model ] || fail "models were not written to Models/"
rhetor plugins | grep -q '^urgency  \[swift, passage\]  ready' || fail "rhetor plugins does not list urgency as ready"
rhetor plugins | grep -q '^hedging  \[data-only, passage\]  ready' || fail "rhetor plugins does not list hedging as ready"
out=$(printf '%s\n' \
  '{"id":"u1","text":"Evacuate the school right away, the river is rising."}' \
  '{"id":"u2","text":"The ministry will gradually review the rules next year."}' \
  '{"id":"h1","text":"The mayor was allegedly paid off, but it is unclear by whom."}' \
  '{"id":"h2","text":"The ledger proves beyond doubt who signed the cheques."}' \
  | rhetor classify --plugins urgency,hedging 2>/dev/null)
python3 - "$out" <<'PY'
import json, sys
recs = {r["id"]: r["plugins"] for r in map(json.loads, sys.argv[1].splitlines())}
want = {"u1": ("urgency", "urgent"), "u2": ("urgency", "calm"), "h1": ("hedging", "hedged"), "h2": ("hedging", "assertive")}
for rid, (plugin, label) in want.items():
    got = recs[rid][plugin][0]["label"]
    assert got == label, f"{rid}: {plugin} said {got}, expected {label}: {recs[rid]}"
    assert any(e["source"].startswith("lexicon:") for e in recs[rid][plugin][0]["evidence"]), f"{rid}: no lexicon evidence"
PY
# The descriptor and manifest examples hold with the trained models (what the generic test checks).
rhetor plugins --examples --json | python3 -c '
import json, subprocess, sys
for p in json.load(sys.stdin):
    if p["id"] not in ("urgency", "hedging"): continue
    assert p["examples"], p["id"] + " has no examples"
    for x in p["examples"]:
        line = json.dumps({"id": "x", "text": x["text"]})
        r = subprocess.run(["bash", "-c", "rhetor classify --plugins " + p["id"]], input=line, capture_output=True, text=True, check=True)
        got = json.loads(r.stdout)["plugins"][p["id"]][0]["label"]
        assert [got] == x["expect"], "%s: «%s» gave %s, expected %s" % (p["id"], x["text"], got, x["expect"])
'
rhetor eval urgency | grep -q 'held-out split, 4 records' || fail "rhetor eval urgency did not score the 4 held-out records"
echo "walk-through ok: urgency (Swift) and hedging (data-only) scaffolded, built, trained and classifying"
