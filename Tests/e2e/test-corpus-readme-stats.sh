#!/usr/bin/env bash
# corpora/README.md shows the generated statistics: fails when they are stale.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
want=$("$RHETOR" corpus stats --markdown 2>/dev/null)
have=$(sed -n '/<!-- stats:begin -->/,/<!-- stats:end -->/p' corpora/README.md | sed '1d;$d')
if [ "$want" != "$have" ]; then
  echo "corpora/README.md statistics are stale: replace the block between the stats markers with \`rhetor corpus stats --markdown\`"
  diff <(echo "$want") <(echo "$have") | head -20
  exit 1
fi
