using GpuImageBuilder.Build.Services.GpuValidation;

namespace GpuImageBuilder.Build.Services.Verify;

/// <summary>How a workload is started on the instance.</summary>
public enum WorkloadRoute
{
    /// <summary>containerd's default runc: the smoke images (no GPU).</summary>
    Runc,

    /// <summary>containerd with nvidia-container-runtime as the runc binary: GPU workloads.</summary>
    NvidiaRuntime,

    /// <summary>containerd with the CDI device nvidia.com/gpu=all (only where the instance has nvidia CDI specs).</summary>
    Cdi,
}

/// <summary>One workload run: the workload, the by-digest reference as the instance pulls it, and the route.</summary>
public sealed record PlannedRun(Workload Workload, string Reference, WorkloadRoute Route)
{
    public string Name => Route switch
    {
        WorkloadRoute.Runc => $"{Workload.Name} (containerd, runc)",
        WorkloadRoute.NvidiaRuntime => $"{Workload.Name} (containerd, nvidia runtime)",
        _ => $"{Workload.Name} (CDI nvidia.com/gpu=all)",
    };

    /// <summary>A GPU workload, or any run through the CDI device, needs the GPU.</summary>
    public CheckNeeds Needs => Workload.NeedsGpu || Route == WorkloadRoute.Cdi ? CheckNeeds.Gpu : CheckNeeds.Nothing;
}

/// <summary>Where the instance pulls from: the registry's address, and whether it speaks plain HTTP.</summary>
public sealed record InstanceRegistry(string Address, bool PlainHttp)
{
    /// <summary>--instance-registry as given: host[:port][/path], with http:// for plain HTTP.</summary>
    public static InstanceRegistry Parse(string value) =>
        value.StartsWith("http://", StringComparison.Ordinal) ? new(value["http://".Length..].TrimEnd('/'), true) : new(value.TrimEnd('/'), false);
}

/// <summary>
/// The runs VerifyInstance makes, from the lock file and the workload manifest: each workload's image must be a
/// by-digest reference the lock file holds (the manifest cannot name an image the lock does not pin); the
/// instance's registry replaces the lock's registry prefix, never the repository path or the digest.
/// </summary>
public static class WorkloadPlan
{
    public static IReadOnlyList<PlannedRun> For(ValidationImageLock lockFile, WorkloadManifest manifest, InstanceRegistry? registry, string lockPath)
    {
        var runs = new List<PlannedRun>();
        foreach (var workload in manifest.Workloads)
        {
            var image = lockFile.Images.FirstOrDefault(i => i.Reference == workload.Image)
                ?? throw new InvalidDataException($"workload {workload.Name}: image {workload.Image} is not pinned in {lockPath}: rerun --target=PublishValidationImages (it writes both)");
            var reference = Rewrite(image, lockFile.Registry, registry, lockPath);
            runs.Add(new PlannedRun(workload, reference, workload.NeedsGpu ? WorkloadRoute.NvidiaRuntime : WorkloadRoute.Runc));
        }

        // The same workloads again through the CDI device, as OpenShell runs them (--device nvidia.com/gpu=all).
        runs.AddRange(runs.ToList().Select(r => r with { Route = WorkloadRoute.Cdi }));
        return runs;
    }

    public static string Rewrite(LockedImage image, string lockRegistry, InstanceRegistry? registry, string lockPath)
    {
        if (!image.Digest.StartsWith("sha256:", StringComparison.Ordinal) || image.Digest.Length != 71)
        {
            throw new InvalidDataException($"{lockPath}: image {image.Name} has digest '{image.Digest}', not sha256:<64 hex>: rerun --target=PublishValidationImages");
        }

        if (registry is null)
        {
            return image.Reference;
        }

        var prefix = lockRegistry.TrimEnd('/') + "/";
        if (!image.Repository.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{lockPath}: image {image.Name}'s repository {image.Repository} is not under the lock's registry {lockRegistry}: rerun --target=PublishValidationImages");
        }

        return registry.Address + "/" + image.Repository[prefix.Length..] + "@" + image.Digest;
    }
}
