#!/bin/sh
# Rebuilds every probe and re-records every fixture on the live kernel (root, Linux 6.18).
# Then regenerates packages/reducer/src/algo/helpers.ts from fixtures/helpers.json.
set -eu
cd "$(dirname "$0")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for p in probe_htab_order probe_bloom probe_map_semantics probe_tag probe_insncheck probe_helpers; do
	gcc -O2 -Wall -o "$out/$p" "$p.c"
done
"$out/probe_htab_order" > fixtures/htab_order.json
"$out/probe_bloom" > fixtures/bloom.json
"$out/probe_map_semantics" > fixtures/map_semantics.json
"$out/probe_tag" > fixtures/tags.json
"$out/probe_insncheck" > fixtures/insncheck.json
"$out/probe_helpers" > fixtures/helpers.json
node gen_helpers.mjs
echo "fixtures recorded on $(uname -r)"
