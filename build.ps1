#!/usr/bin/env pwsh
# Runs the build host: ./build.ps1 --target=<task> [--name=value ...]   (./build.ps1 --help lists everything)
#
# Same fast start as build.sh: the host is compiled once into output/.build-host/ and run directly with
# `dotnet Build.dll`; it is recompiled only when the SHA-256 over the sources under build/ and contracts/ (plus global.json and
# Directory.Build.props) changed, so a warm run skips MSBuild's up-to-date check.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

Set-Location -LiteralPath $PSScriptRoot
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
    [Console]::Error.WriteLine('error: dotnet not found on PATH: install the .NET 10 SDK (see README.md, Prerequisites)')
    exit 127
}

$hostDir = Join-Path 'output' '.build-host'
$hostDll = Join-Path $hostDir 'bin/Build.dll'
# Its own stamp: build.sh hashes the same files differently (sha256sum lines), so sharing one would recompile on every switch.
$stamp = Join-Path $hostDir 'sources-ps1.sha256'

function Get-SourcesHash {
    # build/ and the region contract library it references (with the spec files it embeds).
    $files = Get-ChildItem -Path build, contracts -Recurse -File -Include *.cs, *.csproj, *.props, packages.lock.json, *.yaml, *.json |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' } |
        Sort-Object { $_.FullName.Substring($PSScriptRoot.Length).Replace('\', '/') } -CaseSensitive
    $lines = foreach ($f in @($files) + @(Get-Item global.json, Directory.Build.props)) {
        (Get-FileHash -Algorithm SHA256 -LiteralPath $f.FullName).Hash.ToLowerInvariant()
    }
    $bytes = [Text.Encoding]::UTF8.GetBytes(($lines -join "`n"))
    return [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)).ToLowerInvariant()
}

$current = Get-SourcesHash
$upToDate = (Test-Path $hostDll) -and (Test-Path $stamp) -and ((Get-Content -Raw $stamp).Trim() -eq $current)
if (-not $upToDate) {
    New-Item -ItemType Directory -Force -Path $hostDir | Out-Null
    # "first run" when there is no previous host (a fresh clone, or output/ removed), else say why it recompiles.
    $reason = if (Test-Path $hostDll) { 'sources changed' } else { 'first run' }
    [Console]::Error.WriteLine("Compiling the build host ($reason)...")
    Remove-Item -Force -ErrorAction SilentlyContinue $stamp
    $log = Join-Path $hostDir 'compile.log'
    & dotnet build build/Build.csproj -c Release -o (Join-Path $hostDir 'bin') --nologo -v quiet *> $log
    if ($LASTEXITCODE -ne 0) {
        Get-Content $log | ForEach-Object { [Console]::Error.WriteLine($_) }
        [Console]::Error.WriteLine("error: the build host does not compile (log: $log)")
        exit 1
    }
    Set-Content -NoNewline -Path "$stamp.tmp" -Value $current
    Move-Item -Force "$stamp.tmp" $stamp
}

& dotnet $hostDll @args
exit $LASTEXITCODE
