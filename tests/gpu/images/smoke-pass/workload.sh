#!/bin/busybox sh
# smoke-pass: always passes (contract: ../README.md). Proves that an image pulled by digest runs and that its
# success marker and exit code reach the harness.
echo "smoke-pass: running as uid $(/bin/busybox id -u), no GPU needed"
echo "OPENSHELL_GPU_WORKLOAD_SUCCESS"
exit 0
