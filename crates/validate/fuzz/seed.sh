#!/bin/sh
# Seeds fuzz/corpus/csv from fixtures/csv: every fixture behind two option prefixes (see
# fuzz_targets/csv.rs): a 528-byte row limit with ids spilled every 3 rows and 3 kept errors,
# read 7 bytes at a time; and a 4 KiB limit with 16 ids in memory, read 256 bytes at a time.
set -eu
cd "$(dirname "$0")"
mkdir -p corpus/csv
for f in ../../../fixtures/csv/valid/*.csv ../../../fixtures/csv/cases/*/*.csv; do
    name=$(echo "$f" | tr '/' '_' | sed 's/^[._]*//')
    { printf '\040\042\006\000'; cat "$f"; } > "corpus/csv/a_$name"
    { printf '\377\377\377\000'; cat "$f"; } > "corpus/csv/b_$name"
done
