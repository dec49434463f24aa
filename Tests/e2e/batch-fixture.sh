# Sourced by the batch e2e tests: a temporary folder with a data-only plugin `mini` trained in
# it (so the tests need no shipped model), and `make_input N FILE` for JSONL input.
set -euo pipefail
: "${RHETOR:?set RHETOR to the rhetor binary}"
RHETOR=$(realpath "$RHETOR")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
mkdir -p Plugins/mini
echo '{"id":"mini","summary":"e2e test plugin","labels":["a","b"]}' > Plugins/mini/plugin.json
texts=("Rockets struck the base and the militia claimed the attack."
       "Gunmen fired mortars at the airport; a drone hit the depot."
       "Parliament approved the budget after ministers agreed on reform."
       "Talks on electricity and water resumed in Baghdad on Monday.")
labels=(a a b b)
for i in $(seq 0 39); do
  k=$((i % 4))
  printf '{"id":"t%d","text":"%s","mini":"%s"}\n' "$i" "${texts[$k]}" "${labels[$k]}"
done > train.jsonl
"$RHETOR" train mini --corpus train.jsonl --models models > /dev/null

# make_input N FILE: N records with distinct ids and texts.
make_input() {
  local n=$1 out=$2
  awk -v n="$n" 'BEGIN {
    split("Rockets struck the base.|Talks resumed in Baghdad.|The militia claimed the attack on the convoy.|Ministers agreed on the plan, officials said.", t, "|");
    for (i = 0; i < n; i++) printf "{\"id\":\"d%06d\",\"text\":\"%s Item %d.\"}\n", i, t[i % 4 + 1], i
  }' > "$out"
}
