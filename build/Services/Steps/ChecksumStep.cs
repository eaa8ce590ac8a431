using System.Diagnostics;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Packer;
using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Services.Steps;

/// <summary>
/// Checksum: SHA-256 of each raw and each manifest's build section (inputs, tools, sizes); then SHA256SUMS over every
/// image with a current checksum (<see cref="WriteChecksums"/>).
/// </summary>
public sealed class ChecksumStep(
    BuildParameters parameters,
    ImageCatalog catalog,
    AssetPaths assets,
    ArtifactPaths paths,
    ImageWorkspaces workspaces,
    BuildPlanner planner,
    ICommandRunner runner,
    PackerTool packer,
    IBuildLog log) : IImageStep
{
    public const string Name = "Checksum";

    private IReadOnlyDictionary<string, string>? _tools;

    public async Task<string> RunAsync(ImageDefinition image, CancellationToken cancellation)
    {
        _tools ??= await new ToolVersions(runner, packer).GetAsync();
        var workspace = workspaces.For(image);
        return await workspace.RecordAsync(Name, () =>
        {
            var stamp = workspace.RawStamp ?? throw new RawImageException($"{workspace.Raw} is missing or not from a finished conversion: run ConvertRaw");
            var watch = Stopwatch.StartNew();
            var cached = stamp.Sha256.Length == 64 && !parameters.Force;
            var sha = cached ? stamp.Sha256 : ImageHasher.Sha256(workspace.Raw, cancellation);
            if (!cached)
            {
                (stamp with { Sha256 = sha }).Write(workspace.Raw);
            }

            var facts = RawImage.Inspect(workspace.Raw, parameters.Vm.DiskSizeBytes);
            log.Information($"{image.Name}: sha256 {sha}{(cached ? " (cached)" : $" ({facts.VirtualSize / 1048576.0 / Math.Max(watch.Elapsed.TotalSeconds, 0.001):0} MiB/s)")}");
            workspace.UpdateManifest(m => Describe(m, workspace, facts, sha));
            return Task.FromResult(new StepDone<string>(sha, cached ? StepOutcome.Cached : StepOutcome.Passed));
        });
    }

    Task IImageStep.RunAsync(ImageDefinition image, CancellationToken cancellation) => RunAsync(image, cancellation);

    private ImageManifest Describe(ImageManifest manifest, ImageWorkspace workspace, RawDiskFacts facts, string sha)
    {
        var image = workspace.Image;
        var plan = planner.Plan(image);
        var qcowStamp = workspace.Qcow2Stamp;
        return manifest with
        {
            Name = image.Name,
            RegisteredName = parameters.RegisteredName(image.Name),
            Definition = Path.GetRelativePath(assets.Root, image.VarFile),
            LayeredOn = plan.LayeredOn,
            InputsHash = plan.InputsHash,
            Base = new BaseImageSection(plan.Run.BaseImageUrl, plan.Run.BaseImageChecksum),
            Requested = ImageRequest.Versions(image, parameters),
            Scripts = plan.Scripts,
            Tools = _tools,
            Qcow2 = qcowStamp is null ? null : new ArtifactSection(Path.GetFileName(workspace.Qcow2), qcowStamp.Bytes, qcowStamp.Sha256),
            Raw = new RawSection(Path.GetFileName(workspace.Raw), facts.VirtualSize, facts.AllocatedBytes, sha),
        };
    }

    /// <summary>SHA256SUMS over every raw image with a current checksum, in sha256sum's format (run `sha256sum -c` in the output folder).</summary>
    public void WriteChecksums()
    {
        var lines = catalog.Images
            .Select(i => (Image: i.Name, Stamp: ArtifactStamp.ReadValid(paths.Raw(i.Name))))
            .Where(x => x.Stamp is { Sha256.Length: 64 })
            .Select(x => $"{x.Stamp!.Sha256}  {x.Image}/{Path.GetFileName(paths.Raw(x.Image))}");
        AtomicFile.WriteAllText(paths.Checksums, string.Join('\n', lines) + "\n");
    }
}
