using System.Diagnostics;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Services.Steps;

/// <summary>ConvertRaw for one image: skipped when the raw was made from the current qcow2 and still checks out.</summary>
public sealed class ConvertRawStep(BuildParameters parameters, ImageWorkspaces workspaces, ICommandRunner runner, IBuildLog log) : IImageStep
{
    public const string Name = "ConvertRaw";

    public Task<RawDiskFacts> RunAsync(ImageDefinition image, CancellationToken cancellation)
    {
        var workspace = workspaces.For(image);
        return workspace.RecordAsync(Name, async () =>
        {
            var qcowStamp = workspace.Qcow2Stamp
                ?? throw new RawImageException($"{workspace.Qcow2} is missing or not from a finished build: run BuildQcow2 (or --force)");
            var expected = parameters.Vm.DiskSizeBytes;
            if (workspace.RawStamp is { } rawStamp && rawStamp.InputsHash == qcowStamp.Sha256 && !parameters.Force)
            {
                var cached = RawImage.Inspect(workspace.Raw, expected);
                log.Information($"{image.Name}: raw is up to date (made from qcow2 {qcowStamp.Sha256[..12]}); checks pass");
                return new StepDone<RawDiskFacts>(cached, StepOutcome.Cached, new ProducingRun(rawStamp.Seconds, rawStamp.ModifiedUtc));
            }

            var watch = Stopwatch.StartNew();
            ArtifactStamp.Delete(workspace.Raw);
            var facts = await new RawImage(runner).ConvertAsync(workspace.Qcow2, workspace.Raw, expected, cancellation);
            // The raw's stamp records the qcow2 it came from; its own SHA-256 is filled in by Checksum.
            ArtifactStamp.For(workspace.Raw, qcowStamp.Sha256, string.Empty, watch.Elapsed).Write(workspace.Raw);
            log.Information($"{image.Name}: raw {facts.VirtualSize / 1073741824.0:0.##} GiB virtual, {facts.AllocatedBytes / 1048576} MiB allocated; 55 AA, GPT, EFI system partition #{facts.EspPartition} ({watch.Elapsed.TotalSeconds:0.0} s)");
            return new StepDone<RawDiskFacts>(facts, StepOutcome.Passed);
        });
    }

    Task IImageStep.RunAsync(ImageDefinition image, CancellationToken cancellation) => RunAsync(image, cancellation);
}
