#!/bin/sh
# Regenerates the README's bundled sample site, testdata/sample, exactly:
#
#   go run ./scripts/gensite -out testdata/sample -seed 1 -now 2026-11-01T00:00:00Z \
#     -domains 2 -entries 120 -clients 40 -logons 3
#
# (the other flags keep their defaults: one invalid record in 20, 3 orphan
# .cfg files per logon server, 2 per domain, the last logon server
# case-mangled, no partial record). internal/sample's TestBundledSample
# checks that the committed files are byte for byte what this makes. Git does
# not keep file times, so a checkout has its own; run this to get the
# generator's times back.
set -eu
cd "$(dirname "$0")/.."
rm -rf testdata/sample
go run ./scripts/gensite -out testdata/sample -seed 1 -now 2026-11-01T00:00:00Z \
  -domains 2 -entries 120 -clients 40 -logons 3
