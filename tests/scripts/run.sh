#!/usr/bin/env bash
# Runs every tests/scripts/*.bats with the bats-core pinned in package.json (node_modules).
# Usage: tests/scripts/run.sh [extra bats options, e.g. --tap or --filter REGEX]
# Needs `npm ci` at the repository root first; this runner does not install anything.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
bats="$repo_root/node_modules/bats/bin/bats"

if [[ ! -x $bats ]]; then
	printf 'error: bats not found at %s; run "npm ci" in %s first\n' "$bats" "$repo_root" >&2
	exit 1
fi

shopt -s nullglob
files=("$here"/*.bats)
if ((${#files[@]} == 0)); then
	printf 'error: no .bats files in %s\n' "$here" >&2
	exit 1
fi
exec "$bats" "$@" "${files[@]}"
