using GpuImageBuilder.Build.Services.GpuValidation;
using GpuImageBuilder.Build.Services.Verify;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Verify;

/// <summary>
/// Recorded instance facts: nvidia-smi -q, /proc/driver/nvidia/params and /proc/driver/nvidia/version in the
/// driver's own format (Fixtures/), containerd's effective config, and builders for the cases the checks tell apart.
/// </summary>
public static class VerifyFixtures
{
    public const string Driver = "565.57.01";

    public static string Text(string name) => File.ReadAllText(RepoPaths.InRepo("tests", "Build.Tests", "Verify", "Fixtures", name));

    public static FactSection Ok(string text) => new(0, text);

    public static FactSection Missing(string message) => new(1, message);

    /// <summary>A healthy nvidia-firmware1 instance on a GPU (open modules, GSP running, firmware forced to 1).</summary>
    public static Dictionary<string, FactSection> GpuInstance() => new(StringComparer.Ordinal)
    {
        [InstanceFacts.Params] = Ok(Text("params-firmware-1.txt")),
        [InstanceFacts.Version] = Ok(Text("version-open.txt")),
        [InstanceFacts.License] = Ok("Dual MIT/GPL"),
        [InstanceFacts.NvidiaSmi] = Ok(Text("nvidia-smi-q-open-gsp.txt")),
        [InstanceFacts.Toolkit] = Ok("NVIDIA Container Toolkit CLI version 1.17.3\ncommit: a1b2c3d"),
        [InstanceFacts.ContainerdConfig] = Ok(Text("containerd-config-nvidia.toml")),
        [InstanceFacts.ContainerdActive] = Ok("active"),
        [InstanceFacts.RuntimeClass] = Ok(Text("runtimeclass-nvidia.yaml")),
        [InstanceFacts.CdiSpecs] = Missing(string.Empty),
        [InstanceFacts.CtrCdiFlag] = Ok(string.Empty),
    };

    /// <summary>The same image booted without a GPU (the fixture VM): no /proc/driver/nvidia, no nvidia-smi answer.</summary>
    public static Dictionary<string, FactSection> NoGpuInstance()
    {
        var facts = GpuInstance();
        facts[InstanceFacts.Params] = Missing("cat: /proc/driver/nvidia/params: No such file or directory");
        facts[InstanceFacts.Version] = Missing("cat: /proc/driver/nvidia/version: No such file or directory");
        facts[InstanceFacts.NvidiaSmi] = new(9, "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.");
        return facts;
    }

    public static InstanceFacts Facts(Dictionary<string, FactSection> sections) => new(sections);

    public static VerifyExpectations Expect(bool expectGpu = true, string? driver = Driver) => new(driver, expectGpu);

    public static CheckResult Row(IEnumerable<CheckResult> results, string name) => results.Single(r => r.Name == name);

    public static string Digest(char c) => "sha256:" + new string(c, 64);

    public static ValidationImageLock Lock(string registry = "127.0.0.1:5000") => new(
        ValidationImageLock.CurrentSchemaVersion,
        registry,
        [
            new LockedImage(ValidationImages.SmokePass, $"{registry}/gpu-image-builder/smoke-pass", Digest('a'), new Dictionary<string, string>()),
            new LockedImage(ValidationImages.SmokeFail, $"{registry}/gpu-image-builder/smoke-fail", Digest('b'), new Dictionary<string, string>()),
            new LockedImage(ValidationImages.CudaBasic, $"{registry}/gpu-image-builder/cuda-basic", Digest('c'), new Dictionary<string, string>()),
        ]);

    public static WorkloadManifest Manifest(ValidationImageLock lockFile) => new(
        WorkloadManifest.CurrentSchemaVersion,
        [
            new Workload(ValidationImages.SmokePass, lockFile.Get(ValidationImages.SmokePass).Reference, ["/workload"], WorkloadExpectation.Pass, []),
            new Workload(ValidationImages.SmokeFail, lockFile.Get(ValidationImages.SmokeFail).Reference, ["/workload"], WorkloadExpectation.Fail, []),
            new Workload(ValidationImages.CudaBasic, lockFile.Get(ValidationImages.CudaBasic).Reference, ["/usr/local/bin/cuda-basic"], WorkloadExpectation.Pass, [Workload.GpuRequirement]),
        ]);
}
