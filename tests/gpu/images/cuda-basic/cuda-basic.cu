// cuda-basic: the GPU validation workload (tests/gpu/images/README.md has the contract).
// Device query (name, compute capability, memory) and a vector add checked element by element. Deterministic:
// fixed sizes and inputs, so a run on any GPU prints the same verdict. The CUDA runtime is linked statically
// (-cudart static): the host's driver (libcuda.so.1, mounted by the NVIDIA container runtime or CDI) is all it needs.
//
// stdout: what was found and the verdict (OPENSHELL_GPU_WORKLOAD_SUCCESS, or OPENSHELL_GPU_WORKLOAD_FAILURE: <why>).
// stderr: the diagnostic again, for logs that keep only stderr. Exit 0 on success, 1 on a failure.
#include <dlfcn.h>

#include <cstdio>
#include <cuda_runtime.h>

namespace {

const char* const kSuccess = "OPENSHELL_GPU_WORKLOAD_SUCCESS";
const char* const kFailure = "OPENSHELL_GPU_WORKLOAD_FAILURE";

int Fail(const char* what, cudaError_t error) {
  // One line, naming the CUDA error so the cause can be looked up.
  std::printf("%s: %s (%s: %s)\n", kFailure, what, cudaGetErrorName(error), cudaGetErrorString(error));
  std::fprintf(stderr, "cuda-basic: %s (%s: %s)\n", what, cudaGetErrorName(error), cudaGetErrorString(error));
  std::fflush(stdout);
  return 1;
}

int FailText(const char* what) {
  std::printf("%s: %s\n", kFailure, what);
  std::fprintf(stderr, "cuda-basic: %s\n", what);
  std::fflush(stdout);
  return 1;
}

__global__ void VectorAdd(const float* a, const float* b, float* c, int n) {
  int i = blockDim.x * blockIdx.x + threadIdx.x;
  if (i < n) {
    c[i] = a[i] + b[i];
  }
}

}  // namespace

int main() {
  // The static cudart loads the driver (libcuda.so.1) itself and, when it is absent, says "insufficient driver":
  // without a GPU passed in, the container has no driver library at all, which means no device, not an old driver.
  void* driver_library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (driver_library == nullptr) {
    return FailText("no CUDA device: the NVIDIA driver (libcuda.so.1) is not in this container; run it with a GPU (--device nvidia.com/gpu=all, or the nvidia runtime)");
  }
  dlclose(driver_library);

  int count = 0;
  cudaError_t error = cudaGetDeviceCount(&count);
  if (error == cudaErrorNoDevice || (error == cudaSuccess && count == 0)) {
    return Fail("no CUDA device: run with a GPU (--device nvidia.com/gpu=all or the nvidia runtime)", error == cudaSuccess ? cudaErrorNoDevice : error);
  }
  if (error == cudaErrorInsufficientDriver) {
    return Fail("CUDA driver too old for this CUDA 11.8 runtime, or not mounted into the container", error);
  }
  if (error != cudaSuccess) {
    return Fail("cudaGetDeviceCount failed", error);
  }

  int driver = 0;
  int runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  std::printf("cuda-basic: %d device(s), driver API %d.%d, runtime %d.%d\n", count, driver / 1000, (driver % 1000) / 10, runtime / 1000, (runtime % 1000) / 10);
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp prop;
    error = cudaGetDeviceProperties(&prop, d);
    if (error != cudaSuccess) {
      return Fail("cudaGetDeviceProperties failed", error);
    }
    std::printf("device %d: %s, compute capability %d.%d, %zu MiB, %d SMs\n", d, prop.name, prop.major, prop.minor, prop.totalGlobalMem >> 20, prop.multiProcessorCount);
  }

  const int n = 1 << 20;
  const size_t bytes = n * sizeof(float);
  static float a[n];
  static float b[n];
  static float c[n];
  for (int i = 0; i < n; ++i) {
    // Small integers: exact in float, so the sum is exact and compared with ==.
    a[i] = static_cast<float>(i % 1000);
    b[i] = static_cast<float>(2 * (i % 777));
  }

  float* da = nullptr;
  float* db = nullptr;
  float* dc = nullptr;
  if ((error = cudaMalloc(&da, bytes)) != cudaSuccess || (error = cudaMalloc(&db, bytes)) != cudaSuccess || (error = cudaMalloc(&dc, bytes)) != cudaSuccess) {
    return Fail("cudaMalloc failed", error);
  }
  if ((error = cudaMemcpy(da, a, bytes, cudaMemcpyHostToDevice)) != cudaSuccess || (error = cudaMemcpy(db, b, bytes, cudaMemcpyHostToDevice)) != cudaSuccess) {
    return Fail("cudaMemcpy to the device failed", error);
  }
  const int threads = 256;
  VectorAdd<<<(n + threads - 1) / threads, threads>>>(da, db, dc, n);
  if ((error = cudaGetLastError()) != cudaSuccess) {
    // cudaErrorNoKernelImageForDevice here: a GPU older than sm_80 and no PTX it can JIT.
    return Fail("vector add kernel did not launch", error);
  }
  if ((error = cudaMemcpy(c, dc, bytes, cudaMemcpyDeviceToHost)) != cudaSuccess) {
    return Fail("cudaMemcpy from the device failed", error);
  }
  cudaFree(da);
  cudaFree(db);
  cudaFree(dc);

  for (int i = 0; i < n; ++i) {
    if (c[i] != a[i] + b[i]) {
      char line[160];
      std::snprintf(line, sizeof line, "wrong result: element %d is %.1f, expected %.1f", i, c[i], a[i] + b[i]);
      return FailText(line);
    }
  }
  std::printf("vector add: %d elements checked, all correct\n", n);
  std::printf("%s\n", kSuccess);
  return 0;
}
