#!/usr/bin/env bash
# Benchmark: how long `./build.sh --tree` takes when nothing changed (warm), next to a cold compile and to
# `dotnet run --project build` (what a plain Cake Frosting project would do), measured in the same run.
# Target: warm median <= 0.5 s. Usage: bench/warm-start.sh [runs]   (default 10)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
runs=${1:-10}



echo "Cold: removing output/.build-host and build/obj, then ./build.sh --tree"
rm -rf output/.build-host build/obj
cold=$(seconds ./build.sh --tree)

warm=$(for _ in $(seq "$runs"); do seconds ./build.sh --tree; done | median)
run=$(for _ in $(seq 3); do seconds dotnet run --project build -- --tree; done | median)

printf '%-40s %8.3f s\n' "cold compile + run (once)" "$cold"
printf '%-40s %8.3f s\n' "dotnet run --project build (median of 3)" "$run"
printf '%-40s %8.3f s\n' "./build.sh --tree warm (median of $runs)" "$warm"
printf '%-40s %8.1fx\n' "warm speed-up vs dotnet run" "$(echo "$run / $warm" | bc -l)"
printf '%-40s %8.1fx\n' "warm speed-up vs cold" "$(echo "$cold / $warm" | bc -l)"
if (( $(echo "$warm <= 0.5" | bc -l) )); then echo "PASS: warm median <= 0.5 s"; else echo "FAIL: warm median > 0.5 s"; exit 1; fi
