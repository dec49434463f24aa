#!/usr/bin/env bash
# The REPL on a real terminal: drives `rhetor repl` in tmux (send-keys / capture-pane) and
# checks what a person would see. Types a passage and sees the verdict, recalls it with
# Up-arrow, completes a command with Tab, drops a line with Ctrl-C and keeps going, labels a
# passage and sees the model change, saves the label, leaves with Ctrl-D, and finds the
# history file written with mode 0600. Then the same binary on a pipe: JSONL, no prompt.
#
# Usage: RHETOR=/path/to/rhetor bash Tests/e2e/test-repl-tty.sh   (exit 0 = pass)
# Models: a small data-only plugin (tone: calm/angry) trained here into a temp folder, plus
# the shipped Models/*.model when present (or $RHETOR_E2E_MODELS/*.model), so the verdicts of
# the real plugins show too.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
: "${RHETOR:?set RHETOR to the rhetor binary}"
command -v tmux >/dev/null || { echo "test-repl-tty: tmux is not installed (make deps-test installs it)"; exit 1; }

tmp=$(mktemp -d)
sock="rhetor-e2e-$$"
cleanup() { tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  echo "----- screen -----"
  screen
  echo "------------------"
  exit 1
}

# --- a tiny data-only plugin, trained into a temp models folder ---------------------------
mkdir -p "$tmp/work/Plugins/tone" "$tmp/models" "$tmp/home" "$tmp/state" "$tmp/data"
cat >"$tmp/work/Plugins/tone/plugin.json" <<'EOF'
{"id": "tone", "summary": "Calm or angry: the mood a passage reports (e2e test plugin).", "labels": ["calm", "angry"], "field": "tone"}
EOF
printf 'furious\tangry\t1.5\te2e test entry\noutrage\tangry\t1.0\te2e test entry\npeaceful\tcalm\t1.0\te2e test entry\n' \
  >"$tmp/work/Plugins/tone/lexicon.tsv"
cat >"$tmp/work/tone.jsonl" <<'EOF'
{"id": "t1", "text": "The crowd was furious and shouted at the guards.", "tone": "angry"}
{"id": "t2", "text": "Outrage spread after the arrests, and furious youths blocked the road.", "tone": "angry"}
{"id": "t3", "text": "They screamed in anger at the minister.", "tone": "angry"}
{"id": "t4", "text": "A peaceful gathering ended quietly at dusk.", "tone": "calm"}
{"id": "t5", "text": "The talks were calm and the mood was peaceful.", "tone": "calm"}
{"id": "t6", "text": "Residents went about their day quietly.", "tone": "calm"}
EOF
(cd "$tmp/work" && "$RHETOR" train tone --corpus tone.jsonl --models "$tmp/tone-only" >/dev/null) || { echo "FAIL: could not train the test plugin"; exit 1; }
cp "$tmp/tone-only/tone.model" "$tmp/models/"
models="${RHETOR_E2E_MODELS:-$repo/Models}"
shipped=0
for m in "$models"/*.model; do
  [ -e "$m" ] || continue
  cp "$m" "$tmp/models/" && shipped=$((shipped + 1))
done

# --- tmux helpers --------------------------------------------------------------------------
# The whole scrollback, wrapped lines joined, trailing spaces dropped (so a prompt reads `rhetor>`).
screen() { tmux -L "$sock" capture-pane -p -J -S - -t repl 2>/dev/null | sed -e 's/[[:space:]]*$//' | grep -v '^$'; }
screen_escapes() { tmux -L "$sock" capture-pane -p -e -J -S - -t repl 2>/dev/null; }
type_text() { tmux -L "$sock" send-keys -t repl -l -- "$1"; }
key() { tmux -L "$sock" send-keys -t repl "$@"; }
# wait_for REGEX [seconds]: until the screen shows a line matching REGEX (grep -E).
wait_for() {
  local deadline=$((SECONDS + ${2:-20}))
  while [ $SECONDS -lt $deadline ]; do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.1
  done
  fail "timed out waiting for: $1"
}
count() { screen | grep -Ec -- "$1"; }

start_repl() { # start_repl SUBCOMMAND EXTRA_ENV...  (SUBCOMMAND "" runs bare `rhetor`)
  local sub=$1; shift
  tmux -L "$sock" -f /dev/null new-session -d -s repl -x 200 -y 60 \
    "cd '$tmp/work' && env -i PATH='$PATH' HOME='$tmp/home' XDG_STATE_HOME='$tmp/state' XDG_DATA_HOME='$tmp/data' \
       TERM=xterm-256color LANG=C.UTF-8 $* '$RHETOR' $sub --models '$tmp/models'; echo \$? >'$tmp/exit-status'"
  tmux -L "$sock" set-option -t repl remain-on-exit on >/dev/null
}

# --- an interactive session ----------------------------------------------------------------
start_repl repl
# A debug build reads big models slowly: give start-up time.
wait_for 'Type or paste a passage' 240
wait_for '^rhetor>$'

# Type a passage: every plugin's verdict, and the passage re-printed.
type_text 'The crowd was furious about the talks.'; key Enter
wait_for '^tone +angry [01]\.[0-9]+ +“furious” \+1\.50'
wait_for '^  » The crowd was furious about the talks\.$'
if [ "$shipped" -gt 0 ]; then
  for id in $(cd "$models" && ls *.model | sed 's/\.model$//'); do
    wait_for "^$id( |$)"
  done
fi
# Colour on a terminal: the evidence span is underlined, the prompt is bold cyan.
# (tmux may re-emit "ESC[4;33m" as "ESC[4m ESC[33m")
screen_escapes | grep -Eq $'(\e\\[4;33m|\e\\[4m\e\\[33m)furious' || fail "evidence is not highlighted in colour"
screen_escapes | grep -Eq $'(\e\\[1;36m|\e\\[1m\e\\[36m)rhetor' || fail "the prompt is not in colour"

# The prompt's colour codes take no width: a line wrapped at 200 columns keeps the cursor
# where it should be (Ctrl-A goes to the start of the typed text, right after the prompt).
type_text "$(printf 'word%.0s ' $(seq 1 45))end"
key C-a; type_text 'X'
wait_for '^rhetor> Xword word'
# Ctrl-C mid-line: the line is dropped (shown with ^C), the session goes on.
key C-c
wait_for 'end\^C$'
wait_for '^rhetor>$'
[ "$(count '» Xword')" -eq 0 ] || fail "the interrupted line was classified"

# Up-arrow brings the passage back (the dropped line is not in history).
key Up
wait_for '^rhetor> The crowd was furious about the talks\.$'
key Enter
for _ in $(seq 1 100); do [ "$(count '^  » The crowd was furious')" -ge 2 ] && break; sleep 0.1; done
[ "$(count '^  » The crowd was furious')" -eq 2 ] || fail "Up-arrow + Enter did not classify the passage again"

# Tab completes a command.
type_text ':he'; key Tab
wait_for '^rhetor> :help$'
key Enter
wait_for '^:label +PLUGIN LABEL\|TARGET=LABEL\|ACTOR=ROLE'
# Tab completes plugin ids and labels.
type_text ':label to'; key Tab
wait_for '^rhetor> :label tone$'
key C-c
wait_for ':label tone \^C$'

# Unknown commands say so and suggest the nearest.
type_text ':explian'; key Enter
wait_for 'unknown command :explian; did you mean :explain\?'

# Label a passage: the model learns it at once; before/after shows the change.
type_text 'Delegates met on Tuesday in the capital.'; key Enter
wait_for '^tone +angry [01]\.'
type_text ':label tone calm'; key Enter
wait_for '^tone  before  angry [01]\.[0-9]+$'
wait_for '^      after   calm [01]\.[0-9]+$'
wait_for '1 labelled passage unsaved'
type_text 'Delegates met on Tuesday in the capital.'; key Enter
wait_for '^tone +calm [01]\.'
type_text ':explain'; key Enter
wait_for '^tone · calm'
wait_for 'items, net \+'
type_text ':save'; key Enter
wait_for "^saved 1 record to $tmp/data/rhetor/corpus.jsonl"
grep -q '"text":"Delegates met on Tuesday in the capital.","tone":"calm"}' "$tmp/data/rhetor/corpus.jsonl" \
  || fail "the saved record is not in the corpus format: $(cat "$tmp/data/rhetor/corpus.jsonl")"
# The saved corpus folds into a model.
(cd "$tmp/work" && "$RHETOR" train tone --corpus tone.jsonl --corpus "$tmp/data/rhetor/corpus.jsonl" --models "$tmp/models2" >/dev/null) \
  || fail "rhetor train could not read the saved corpus"

# A line starting with a space is not recorded.
type_text ' A private passage.'; key Enter
for _ in $(seq 1 100); do [ "$(count '» +A private passage')" -ge 1 ] && break; sleep 0.1; done

# Ctrl-D leaves cleanly and the history is saved, private.
key C-d
for _ in $(seq 1 100); do [ -s "$tmp/exit-status" ] && break; sleep 0.1; done
[ "$(cat "$tmp/exit-status" 2>/dev/null)" = 0 ] || fail "the REPL did not exit 0 on Ctrl-D (status: $(cat "$tmp/exit-status" 2>/dev/null))"
hist="$tmp/state/rhetor/history"
[ -f "$hist" ] || fail "no history file at $hist"
[ "$(stat -c %a "$hist")" = 600 ] || fail "history mode is $(stat -c %a "$hist"), not 600"
grep -qx 'The crowd was furious about the talks.' "$hist" || fail "the passage is not in the history"
grep -qx ':help' "$hist" || fail ":help is not in the history"
[ "$(grep -cx 'The crowd was furious about the talks.' "$hist")" -eq 1 ] || fail "a repeated line was recorded twice"
grep -q 'Xword' "$hist" && fail "the interrupted line was recorded"
grep -q 'private passage' "$hist" && fail "a line starting with a space was recorded"
tmux -L "$sock" kill-session -t repl

# --- bare `rhetor` on a terminal is the REPL; NO_COLOR turns colour off --------------------
rm -f "$tmp/exit-status"
start_repl "" NO_COLOR=1
wait_for '^rhetor>$' 240
type_text 'The crowd was furious.'; key Enter
wait_for '^  » .*\[furious\]\.$'
screen_escapes | grep -Eq $'\e\\[(4;33|4|33|36|1;36)m' && fail "NO_COLOR is set but the output has colour"
key C-d
for _ in $(seq 1 100); do [ -s "$tmp/exit-status" ] && break; sleep 0.1; done
[ "$(cat "$tmp/exit-status" 2>/dev/null)" = 0 ] || fail "bare rhetor did not exit 0 on Ctrl-D"
tmux -L "$sock" kill-session -t repl

# --- a pipe: no prompt, no history, no colour; a JSONL record per line ---------------------
out=$(cd "$tmp/work" && printf 'The crowd was furious.\n:use tone\nA peaceful day.\n' |
  env HOME="$tmp/home" XDG_STATE_HOME="$tmp/pipe-state" "$RHETOR" repl --models "$tmp/tone-only" 2>"$tmp/pipe-err")
[ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ] || { echo "FAIL: expected 2 JSONL lines on a pipe, got:"; echo "$out"; exit 1; }
printf '%s\n' "$out" | head -1 | grep -q '^{"id":"1","plugins":{"tone":\[{"label":"angry"' || { echo "FAIL: bad JSONL: $out"; exit 1; }
printf '%s\n' "$out" | tail -1 | grep -q '^{"id":"3","plugins":{"tone":\[{"label":"calm"' || { echo "FAIL: :use on a pipe: $out"; exit 1; }
printf '%s' "$out" | grep -q $'\e' && { echo "FAIL: colour on a pipe"; exit 1; }
grep -q 'enabled: tone' "$tmp/pipe-err" || { echo "FAIL: command messages should go to stderr on a pipe"; exit 1; }
[ -e "$tmp/pipe-state/rhetor/history" ] && { echo "FAIL: a pipe wrote history"; exit 1; }

echo "test-repl-tty: ok ($((shipped)) shipped models loaded besides the test plugin)"
exit 0
