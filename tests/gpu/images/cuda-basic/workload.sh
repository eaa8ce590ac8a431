#!/bin/sh
# cuda-basic's workload (contract: ../README.md): the CUDA binary prints the device query, checks the vector add and
# prints the marker itself, so it can also run alone on a GPU host. This wrapper only makes sure a binary that dies
# without a verdict (a signal, a missing library) still ends with the failure marker and a non-zero exit.
/usr/local/bin/cuda-basic
status=$?
if [ "$status" -gt 1 ]; then
  echo "OPENSHELL_GPU_WORKLOAD_FAILURE: cuda-basic ended with exit $status and no verdict"
  echo "cuda-basic: ended with exit $status and no verdict" >&2
fi
exit "$status"
