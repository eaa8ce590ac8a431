#!/usr/bin/env bats
# build.sh's fast start: it says why it compiles the host (first run, or sources changed), and skips it otherwise.
# shellcheck disable=SC2016 # stub bodies are single-quoted on purpose: they expand when the stub runs

load test_helper

setup() {
	common_setup
	for tool in xargs sha256sum flock; do
		ln -sf "$(command -v "$tool")" "$SYSBIN/$tool"
	done
	repo="$BATS_TEST_TMPDIR/repo"
	mkdir -p "$repo/build"
	cp "$BATS_TEST_DIRNAME/../../build.sh" "$repo/"
	echo '{}' >"$repo/global.json"
	echo '<Project />' >"$repo/Directory.Build.props"
	echo 'class A {}' >"$repo/build/A.cs"
	# `dotnet build ... -o DIR` leaves DIR/Build.dll; `dotnet Build.dll ARGS` says it ran.
	stub dotnet 'if [[ $1 == build ]]; then while [[ $1 != -o ]]; do shift; done; mkdir -p "$2"; : >"$2/Build.dll"; else echo "host ran: ${*:2}"; fi'
}

run_build() {
	run env PATH="$STUB_BIN:$SYSBIN" bash "$repo/build.sh" "$@"
}

@test "build.sh: a fresh clone says first run, not sources changed" {
	run_build --tree
	assert_status 0
	assert_output_contains "Compiling the build host (first run)..."
	refute_output_contains "sources changed"
	assert_output_contains "host ran: --tree"
}

@test "build.sh: nothing changed compiles nothing; a changed source says sources changed" {
	run_build
	assert_status 0
	run_build --tree
	assert_status 0
	refute_output_contains "Compiling"
	[[ $(call_count 'dotnet build .*') -eq 1 ]] || fail_with "expected one compile"

	echo 'class B {}' >>"$repo/build/A.cs"
	run_build --tree
	assert_status 0
	assert_output_contains "Compiling the build host (sources changed)..."
	[[ $(call_count 'dotnet build .*') -eq 2 ]] || fail_with "expected a second compile"
}
