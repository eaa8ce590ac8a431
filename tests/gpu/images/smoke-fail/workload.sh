#!/bin/busybox sh
# smoke-fail: always fails (contract: ../README.md). Proves that a failing workload is seen as failed: a harness
# that reports this one as passed ignores exit codes or markers.
echo "smoke-fail: running as uid $(/bin/busybox id -u), no GPU needed"
echo "OPENSHELL_GPU_WORKLOAD_FAILURE: smoke-fail fails on purpose (expect: fail)"
echo "smoke-fail: fails on purpose (expect: fail)" >&2
exit 1
