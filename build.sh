#!/usr/bin/env bash
# Runs the build host: ./build.sh --target=<task> [--name=value ...]   (./build.sh --help lists everything)
#
# Fast start: the host is compiled once into output/.build-host/ and run directly with `dotnet Build.dll`.
# It is recompiled only when a source file under build/ (or global.json / Directory.Build.props) changed,
# detected by a SHA-256 over those files' contents, so a warm run skips MSBuild's up-to-date check (~2 s).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: dotnet not found on PATH: install the .NET 10 SDK (see README.md, Prerequisites)" >&2
  exit 127
fi

host_dir=output/.build-host
host_dll=$host_dir/bin/Build.dll
stamp=$host_dir/sources.sha256

sources_hash() {
  {
    # build/ and the region contract library it references (with the spec files it embeds).
    find build contracts -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name 'packages.lock.json' -o -name '*.yaml' -o -name '*.json' \) \
      -not -path '*/bin/*' -not -path '*/obj/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum global.json Directory.Build.props
  } | sha256sum | cut -d' ' -f1
}

current=$(sources_hash)
if [[ ! -f $host_dll || ! -f $stamp || $(<"$stamp") != "$current" ]]; then
  mkdir -p "$host_dir"
  # One compile at a time when several builds start together.
  exec 9>"$host_dir/.lock"
  flock 9
  if [[ ! -f $host_dll || ! -f $stamp || $(<"$stamp") != "$current" ]]; then
    # "first run" when there is no previous host (a fresh clone, or output/ removed), else say why it recompiles.
    if [[ -f $host_dll ]]; then
      echo "Compiling the build host (sources changed)..." >&2
    else
      echo "Compiling the build host (first run)..." >&2
    fi
    rm -f "$stamp"
    if ! dotnet build build/Build.csproj -c Release -o "$host_dir/bin" --nologo -v quiet >"$host_dir/compile.log" 2>&1; then
      cat "$host_dir/compile.log" >&2
      echo "error: the build host does not compile (log: $host_dir/compile.log)" >&2
      exit 1
    fi
    printf '%s\n' "$current" >"$stamp.tmp"
    mv "$stamp.tmp" "$stamp"
  fi
  exec 9>&-
fi

exec dotnet "$host_dll" "$@"
