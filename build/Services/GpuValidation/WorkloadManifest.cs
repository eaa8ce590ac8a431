using Newtonsoft.Json;

namespace GpuImageBuilder.Build.Services.GpuValidation;

/// <summary>
/// The workload manifest (output/validation-images/workloads.json, and next to the lock file) in the shape of
/// OpenShell's GPU e2e manifest (name, image, command, expect, requirements), so any harness can iterate it.
/// Images are by digest only (from <see cref="ValidationImageLock"/>). Written by <see cref="ValidationImageFiles"/>.
/// </summary>
public sealed record WorkloadManifest(int SchemaVersion, IReadOnlyList<Workload> Workloads)
{
    public const int CurrentSchemaVersion = 1;
}

/// <summary>
/// One workload: run <see cref="Image"/> (a by-digest reference) with <see cref="Command"/> (the explicit command,
/// for harnesses that replace the entrypoint); it must end as <see cref="Expect"/>. <see cref="Requirements"/> lists
/// what the host must offer ("gpu" for cuda-basic; empty for the smoke images).
/// </summary>
public sealed record Workload(string Name, string Image, IReadOnlyList<string> Command, WorkloadExpectation Expect, IReadOnlyList<string> Requirements)
{
    public const string GpuRequirement = "gpu";

    /// <summary>Derived from <see cref="Requirements"/>: not written to the file (OpenShell's shape has no such field).</summary>
    [JsonIgnore]
    public bool NeedsGpu => Requirements.Contains(GpuRequirement);
}

/// <summary>pass: exit 0 and the success marker; fail: non-zero exit and the failure marker.</summary>
public enum WorkloadExpectation
{
    Pass,
    Fail,
}
