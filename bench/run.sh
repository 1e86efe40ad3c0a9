#!/usr/bin/env bash
# imperlint's benchmark (not part of CI). From the repository root:
#
#     bench/run.sh            # fetch the corpus once, build, measure, print a report
#
# Corpus: the sources of a pinned list of popular crates and their
# dependencies (below), fetched with `cargo fetch` into a local CARGO_HOME
# (bench/.cargo-home) and copied to bench/corpus/ (both gitignored).
# Everything is measured in the same run, on the same machine:
#
#   - files, lines and MB of the corpus;
#   - the time to merely read the files, and the parse floor (bench/floor:
#     the same discovery, every file read and `syn::parse_file`d, one file per
#     task on as many threads as imperlint uses), alternating with the full
#     analysis it is compared with;
#   - imperlint (default, prefilter on) and imperlint --no-prefilter (full
#     analysis): wall time, lines/s, peak memory (`/usr/bin/time -v`);
#   - full analysis vs floor (target <= 1.5x), default vs read;
#   - half the corpus (every other .rs file of every crate, hard-linked into
#     bench/corpus-half/, each crate rooted by a generated file that declares
#     them all) vs all of it (linearity), timed alternately with
#     the floor and the full analysis;
#   - the largest crate alone, against its own parse floor, and its share
#     of the full run;
#   - `imperlint check FILE` on one file of a large crate (editor on save);
#   - a generated 50 MB file (tests/robustness.rs, optimised), and the parse
#     floor of the same file.
#
# JOBS=N sets the threads for every measurement (default: one per core).
# REPEAT=N runs each timing N times and keeps the fastest (default 2: the
# machine may be shared). SKIP_BIG_FILE=1 skips the 50 MB file.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$PWD"
BENCH="$ROOT/bench"
CORPUS="$BENCH/corpus"
JOBS="${JOBS:-$(nproc)}"
REPEAT="${REPEAT:-2}"

# The pinned list: popular crates, Windows bindings first.
PINNED=(
    'windows = { version = "=0.58.0", default-features = false }'
    'windows-sys = { version = "=0.59.0", default-features = false }'
    'winapi = { version = "=0.3.9", default-features = false }'
    'tokio = { version = "=1.40.0", default-features = false }'
    'syn = { version = "=2.0.87", default-features = false }'
    'serde = { version = "=1.0.210", default-features = false }'
    'serde_json = { version = "=1.0.128", default-features = false }'
    'regex = { version = "=1.11.0", default-features = false }'
    'regex-syntax = { version = "=0.8.5", default-features = false }'
    'rayon = { version = "=1.10.0", default-features = false }'
    'clap = { version = "=4.5.20", default-features = false }'
    'hyper = { version = "=1.5.0", default-features = false }'
)

say() { printf '\033[1m%s\033[0m\n' "$*" >&2; }

# --- tools ---------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
    say "installing GNU time (apt)"
    (apt-get update -qq && apt-get install -y -qq time) >/dev/null
fi

# --- corpus --------------------------------------------------------------
if [ ! -f "$CORPUS/.complete" ]; then
    say "fetching the corpus"
    manifest="$BENCH/.corpus-manifest"
    rm -rf "$manifest" "$CORPUS"
    mkdir -p "$manifest/src" "$CORPUS"
    : > "$manifest/src/lib.rs"
    {
        printf '[package]\nname = "imperlint-bench-corpus"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[workspace]\n\n[dependencies]\n'
        printf '%s\n' "${PINNED[@]}"
    } > "$manifest/Cargo.toml"
    export CARGO_HOME="$BENCH/.cargo-home"
    cargo fetch --manifest-path "$manifest/Cargo.toml" >&2
    # Every package of the lock file (the pinned crates and their
    # dependencies), .rs files and manifests only.
    src=$(echo "$CARGO_HOME"/registry/src/*/)
    awk '/^name = /{n=$3} /^version = /{v=$3; gsub(/"/,"",n); gsub(/"/,"",v); if (n != "imperlint-bench-corpus") print n "-" v}' \
        "$manifest/Cargo.lock" | sort -u | while read -r pkg; do
        [ -d "$src/$pkg" ] || continue
        (cd "$src" && find "$pkg" \( -name '*.rs' -o -name Cargo.toml \) -print0 |
            xargs -0 cp --parents -t "$CORPUS")
    done
    unset CARGO_HOME
    touch "$CORPUS/.complete"
fi

# --- builds --------------------------------------------------------------
say "building imperlint and the parse floor (release)"
cargo build --release --quiet --bin imperlint
cargo build --release --quiet --manifest-path bench/floor/Cargo.toml --target-dir target/bench-floor
IMPERLINT="$ROOT/target/release/imperlint"
FLOOR="$ROOT/target/bench-floor/release/imperlint-bench-floor"

# --- helpers -------------------------------------------------------------
# measure LABEL CMD...: runs CMD $REPEAT times (stdout discarded), records
# the fastest wall seconds and the largest peak RSS (MB) in WALL[LABEL] and
# RSS[LABEL].
declare -A WALL RSS
measure() {
    local label="$1"; shift
    local log wall rss i
    log=$(mktemp)
    for ((i = 0; i < REPEAT; i++)); do
        /usr/bin/time -v "$@" > /dev/null 2> "$log" || true
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$log")
        rss=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$log")
        if [ -z "${WALL[$label]:-}" ] || awk -v a="$wall" -v b="${WALL[$label]}" 'BEGIN { exit !(a < b) }'; then
            WALL[$label]=$wall
        fi
        if [ -z "${RSS[$label]:-}" ] || [ "$rss" -gt "${RSS[$label]}" ]; then
            RSS[$label]=$rss
        fi
    done
    rm -f "$log"
    say "  $label: ${WALL[$label]} s, ${RSS[$label]} MB"
}
# floor_min MODE ARGS...: the floor's JSON line with the fewest seconds of $REPEAT runs.
floor_min() {
    local i out best="" best_s=""
    for ((i = 0; i < REPEAT; i++)); do
        out=$("$FLOOR" "$@")
        s=$(echo "$out" | field seconds)
        if [ -z "$best_s" ] || awk -v a="$s" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then
            best=$out; best_s=$s
        fi
    done
    echo "$best"
}
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
rate() { awk -v l="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", l / s; else print "n/a" }'; }

cd "$BENCH"
CRATES=()
while IFS= read -r d; do CRATES+=("corpus/$d"); done < <(ls corpus)
LARGEST=$(du -s --apparent-size "${CRATES[@]}" | sort -rn | head -1 | cut -f2)
# Half of every crate: every other .rs file (sorted). Halving a module tree
# would cut off whole subtrees, so each half crate gets a generated manifest
# whose library root declares every file kept (`#[path]`): one crate of all
# its files, as the full corpus's crates are.
if [ ! -f corpus-half/.complete-rooted ]; then
    rm -rf corpus-half
    mkdir -p corpus-half
    (cd corpus && find . -name '*.rs' | sort | awk 'NR % 2 == 1' | tr '\n' '\0' |
        xargs -0 cp -l --parents -t ../corpus-half)
    for d in corpus-half/*/; do
        n=0
        (cd "$d" && find . -name '*.rs' ! -name half_root.rs | sort | while read -r f; do
            n=$((n + 1))
            printf '#[path = "%s"]\nmod half_%d;\n' "${f#./}" "$n"
        done) > "$d/half_root.rs"
        printf '[package]\nname = "half"\nversion = "0.0.0"\nedition = "2021"\nautobins = false\nautoexamples = false\nautotests = false\nautobenches = false\nbuild = false\n\n[lib]\npath = "half_root.rs"\n\n[workspace]\n' > "$d/Cargo.toml"
    done
    touch corpus-half/.complete-rooted
fi

# --- measurements --------------------------------------------------------
say "corpus: ${#CRATES[@]} crates"
say "reading (floor read)"
READ_JSON=$(floor_min read --jobs "$JOBS" corpus)
FILES=$(echo "$READ_JSON" | field files)
BYTES=$(echo "$READ_JSON" | field bytes)
LINES=$(echo "$READ_JSON" | field lines)
READ_S=$(echo "$READ_JSON" | field seconds)
HALF_READ=$("$FLOOR" read --jobs "$JOBS" corpus-half)
HALF_LINES=$(echo "$HALF_READ" | field lines)

# The floor, the full analysis and half the corpus alternate (fastest of
# $REPEAT each), and so do the largest crate and its floor: on a shared
# machine, speed drifts over minutes, and each ratio compares runs made
# side by side.
# min_into VAR SECONDS keeps the smaller.
min_into() {
    if [ -z "${!1:-}" ] || awk -v a="$2" -v b="${!1}" 'BEGIN { exit !(a < b) }'; then
        printf -v "$1" '%s' "$2"
    fi
}
say "parse floor, full analysis and half the corpus, alternating"
FLOOR_S=""
LARGEST_FLOOR_S=""
for ((k = 0; k < REPEAT; k++)); do
    min_into FLOOR_S "$("$FLOOR" parse --jobs "$JOBS" corpus | field seconds)"
    REPEAT=1 measure full "$IMPERLINT" check --jobs "$JOBS" --format json --no-prefilter corpus
    REPEAT=1 measure half "$IMPERLINT" check --jobs "$JOBS" --format json --no-prefilter corpus-half
    min_into LARGEST_FLOOR_S "$("$FLOOR" parse --jobs "$JOBS" "$LARGEST" | field seconds)"
    REPEAT=1 measure largest "$IMPERLINT" check --jobs "$JOBS" --format json --no-prefilter "$LARGEST"
done
say "  floor: $FLOOR_S s, largest crate's floor: $LARGEST_FLOOR_S s"

say "imperlint"
measure default "$IMPERLINT" check --jobs "$JOBS" --format json corpus
NOT_LARGEST=()
for c in "${CRATES[@]}"; do [ "$c" = "$LARGEST" ] || NOT_LARGEST+=("$c"); done
measure rest "$IMPERLINT" check --jobs "$JOBS" --format json --no-prefilter "${NOT_LARGEST[@]}"
measure rest_default "$IMPERLINT" check --jobs "$JOBS" --format json "${NOT_LARGEST[@]}"
measure rest_1job "$IMPERLINT" check --jobs 1 --format json --no-prefilter "${NOT_LARGEST[@]}"

# Editor on save: one file of a large crate (its package is loaded for context).
ON_SAVE=()
for pair in "tokio-1.40.0 src/net/windows/named_pipe.rs" "windows-sys-0.59.0 src/Windows/Win32/Security/mod.rs"; do
    set -- $pair
    if [ -f "corpus/$1/$2" ]; then
        measure "save:$1" "$IMPERLINT" check --format json "corpus/$1/$2"
        ON_SAVE+=("$1/$2")
    fi
done

BIG_S=skipped
BIG_FLOOR_S=skipped
if [ -z "${SKIP_BIG_FILE:-}" ]; then
    say "generated 50 MB file"
    big_dir="$BENCH/.big-file"
    rm -rf "$big_dir"
    mkdir -p "$big_dir"
    BIG_S=$(cd "$ROOT" && IMPERLINT_BIG_FILE_MB=50 IMPERLINT_BIG_FILE_DIR="$big_dir" \
        cargo test --release --quiet --test robustness a_big_generated_file -- --nocapture 2>&1 |
        sed -n 's/^50 MB generated file: \([0-9.]*\) s$/\1/p')
    # The same crate's parse floor (one file: one thread parses it).
    BIG_FLOOR_S=$("$FLOOR" parse --jobs "$JOBS" "$big_dir/big" | field seconds)
    rm -rf "$big_dir"
fi

# --- report --------------------------------------------------------------
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')
cat <<EOF

## imperlint benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, --jobs $JOBS, fastest of $REPEAT)

| measure | value |
|---|---|
| corpus | ${#CRATES[@]} crates, $FILES files, $LINES lines, $MB MB |
| read the files | $READ_S s |
| parse floor (read + \`syn::parse_file\`) | $FLOOR_S s |
| imperlint, default (prefilter) | ${WALL[default]} s, $(rate "$LINES" "${WALL[default]}") lines/s, ${RSS[default]} MB peak |
| imperlint --no-prefilter (full analysis) | ${WALL[full]} s, $(rate "$LINES" "${WALL[full]}") lines/s, ${RSS[full]} MB peak |
| full analysis / parse floor (target <= 1.5) | $(ratio "${WALL[full]}" "$FLOOR_S") |
| default / read | $(ratio "${WALL[default]}" "$READ_S") |
| half the corpus (every other file of every crate, $HALF_LINES lines), --no-prefilter | ${WALL[half]} s, ${RSS[half]} MB peak |
| linearity: (full s / full lines) / (half s / half lines) | $(awk -v f="${WALL[full]}" -v fl="$LINES" -v h="${WALL[half]}" -v hl="$HALF_LINES" 'BEGIN { if (h > 0) printf "%.2f", (f / fl) / (h / hl); else print "n/a" }') |
| largest crate ($(basename "$LARGEST")) alone, --no-prefilter | ${WALL[largest]} s, ${RSS[largest]} MB peak |
| its parse floor (same threads) | $LARGEST_FLOOR_S s |
| largest crate / its floor | $(ratio "${WALL[largest]}" "$LARGEST_FLOOR_S") |
| its share of the full run | $(ratio "${WALL[largest]}" "${WALL[full]}") |
| every other crate, default (prefilter) | ${WALL[rest_default]} s, ${RSS[rest_default]} MB peak |
| every other crate, --no-prefilter | ${WALL[rest]} s, ${RSS[rest]} MB peak |
| every other crate, --no-prefilter --jobs 1 | ${WALL[rest_1job]} s, ${RSS[rest_1job]} MB peak |
EOF
for f in "${ON_SAVE[@]}"; do
    c="${f%%/*}"
    echo "| \`imperlint check\` one file of $c (on save) | ${WALL[save:$c]} s, ${RSS[save:$c]} MB peak |"
done
echo "| generated 50 MB file (tests/robustness.rs), one file | $BIG_S s; its parse floor $BIG_FLOOR_S s |"
