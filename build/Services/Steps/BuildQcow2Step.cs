using System.Diagnostics;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Packer;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Vm;

namespace GpuImageBuilder.Build.Services.Steps;

/// <summary>
/// BuildQcow2 for one image: Packer, skipped when the qcow2 is current (same inputs hash), unless --force. The new
/// qcow2 replaces the old one only once it is complete; its stamp goes last.
/// </summary>
public sealed class BuildQcow2Step(
    BuildParameters parameters,
    AssetPaths assets,
    ArtifactPaths paths,
    ImageWorkspaces workspaces,
    BuildPlanner planner,
    AcceleratorSelection accelerator,
    ICommandRunner runner,
    PackerTool packer,
    IBuildLog log) : IImageStep
{
    public const string Name = "BuildQcow2";

    /// <summary>True when Packer ran, false when the cached qcow2 was kept.</summary>
    public Task<bool> RunAsync(ImageDefinition image, CancellationToken cancellation)
    {
        var workspace = workspaces.For(image);
        return workspace.RecordAsync(Name, async () =>
        {
            var plan = planner.Plan(image);
            var current = workspace.Qcow2Stamp;
            if (!parameters.Force && current is not null && current.InputsHash == plan.InputsHash)
            {
                log.Information($"{image.Name}: qcow2 is up to date (inputs {plan.InputsHash[..12]}, built in {current.Seconds:0} s); skipping Packer. --force rebuilds.");
                return new StepDone<bool>(false, StepOutcome.Cached, new ProducingRun(current.Seconds, current.ModifiedUtc));
            }

            var why = parameters.Force ? "--force" : current is null ? "no current qcow2" : "inputs changed";
            var choice = await accelerator.ChooseAsync();
            log.Information($"{image.Name}: building ({why}){(plan.LayeredOn is null ? " from the base image" : $", layered on {plan.LayeredOn}")} with {choice.Accelerator}, {VmCpus.Describe(VmCpus.For(choice.Accelerator, parameters.Vm.Cpus))}");
            var watch = Stopwatch.StartNew();
            var built = await new VmStallRetry(log).RunAsync(image.Name, "scratch folder", attempt => BuildInScratchAsync(workspace, plan, choice.Accelerator, attempt, cancellation));
            log.Information($"{image.Name}: qcow2 built in {watch.Elapsed:mm\\:ss} ({new FileInfo(built).Length / 1048576} MiB)");
            return new StepDone<bool>(true, StepOutcome.Passed);
        });
    }

    Task IImageStep.RunAsync(ImageDefinition image, CancellationToken cancellation) => RunAsync(image, cancellation);

    /// <summary>
    /// One Packer attempt in its own scratch folder, moved into place when complete. Whatever happens, the folder and
    /// any process still running from it (a QEMU outliving its Packer) are gone afterwards, so a retry starts clean.
    /// A stalled attempt leaves its serial log in logs/ as the evidence of where the guest stopped.
    /// </summary>
    private async Task<string> BuildInScratchAsync(ImageWorkspace workspace, PlannedBuild plan, string acceleratorName, int attempt, CancellationToken cancellation)
    {
        using var scratch = workspace.CreateScratch("build");
        try
        {
            var run = plan.In(scratch.Path, acceleratorName) with { Cpus = VmCpus.For(acceleratorName, parameters.Vm.Cpus) };
            // A serial log from an earlier run would be taken for this one's in an error message.
            Directory.CreateDirectory(Path.GetDirectoryName(workspace.BuildSerialLog)!);
            File.Delete(workspace.BuildSerialLog);
            await new BuildSeed(runner).CreateAsync(run.SeedDirectory, assets.BuildUserData, assets.MetaData);
            var watch = Stopwatch.StartNew();
            var built = await new PackerBuilder(runner, packer, log).BuildAsync(run, parameters, assets, Path.Combine(paths.Root, ".cache", "packer"), cancellation);

            Directory.CreateDirectory(workspace.Directory);
            ArtifactStamp.Delete(workspace.Qcow2);
            var sha = ImageHasher.Sha256(built, cancellation);
            File.Move(built, workspace.Qcow2, overwrite: true);
            ArtifactStamp.For(workspace.Qcow2, plan.InputsHash, sha, watch.Elapsed, plan.LayeredOn is null ? null : $"layered on {plan.LayeredOn}").Write(workspace.Qcow2);
            return workspace.Qcow2;
        }
        catch (VmStalledException)
        {
            workspace.KeepStalledLog(workspace.BuildSerialLog, attempt);
            throw;
        }
        finally
        {
            var stragglers = ProcessReaper.KillMentioning(scratch.Path);
            if (stragglers > 0)
            {
                log.Warning($"{workspace.Name}: stopped {stragglers} leftover process(es) of this build (QEMU outliving Packer)");
            }
        }
    }
}
