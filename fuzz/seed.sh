#!/usr/bin/env bash
# Seeds the fuzz corpus with every fixture source (run from anywhere).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$here/corpus/analyse_bytes"
find "$here/../fixtures" -name '*.rs' -print0 |
    while IFS= read -r -d '' f; do
        cp "$f" "$here/corpus/analyse_bytes/$(sha1sum "$f" | cut -c1-16)"
    done
echo "seeded $(ls "$here/corpus/analyse_bytes" | wc -l) inputs"
