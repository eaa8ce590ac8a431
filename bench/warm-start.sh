#!/usr/bin/env bash
# Benchmark: how long `./build.sh --tree` takes when nothing changed (warm), next to a cold compile and to
# `dotnet run --project build` (what a plain Cake Frosting project would do), measured in the same run.
# Target: warm median <= 0.5 s. Usage: bench/warm-start.sh [runs]   (default 10)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-10}

seconds() { # prints the wall time of "$@" in seconds, output discarded
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

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
