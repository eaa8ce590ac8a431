namespace GpuImageBuilder.Build.Services.GpuValidation;

/// <summary>
/// The GPU validation images (tests/gpu/images/&lt;name&gt;/) and the workload contract they share with NVIDIA
/// OpenShell's GPU e2e images: the same markers, so the images run unchanged in its harness.
/// </summary>
public static class ValidationImages
{
    public const string SmokePass = "smoke-pass";
    public const string SmokeFail = "smoke-fail";
    public const string CudaBasic = "cuda-basic";

    /// <summary>Printed on stdout, alone on its line, when the workload passed (exit 0).</summary>
    public const string SuccessMarker = "OPENSHELL_GPU_WORKLOAD_SUCCESS";

    /// <summary>Printed on stdout, followed by a one-line diagnostic, when the workload failed (exit non-zero).</summary>
    public const string FailureMarker = "OPENSHELL_GPU_WORKLOAD_FAILURE";

    /// <summary>In build order.</summary>
    public static IReadOnlyList<string> All { get; } = [SmokePass, SmokeFail, CudaBasic];
}
