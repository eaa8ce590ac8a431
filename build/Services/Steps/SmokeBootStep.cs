using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Qemu;
using GpuImageBuilder.Build.Services.Vm;

namespace GpuImageBuilder.Build.Services.Steps;

/// <summary>
/// SmokeBoot for one image: boots the raw like the region does and waits for the seed's marker. A pass is not
/// repeated for the same raw; a failure is recorded in the manifest with the serial log kept in logs/.
/// </summary>
public sealed class SmokeBootStep(
    BuildParameters parameters,
    AssetPaths assets,
    ImageWorkspaces workspaces,
    AcceleratorSelection accelerator,
    ICommandRunner runner,
    IBuildLog log) : IImageStep
{
    public const string Name = "SmokeBoot";

    public Task RunAsync(ImageDefinition image, CancellationToken cancellation)
    {
        var workspace = workspaces.For(image);
        return workspace.RecordAsync(Name, async () =>
        {
            var stamp = workspace.RequireChecksummedRaw();
            if (!parameters.Force && !parameters.KeepVm && ImageWorkspace.AlreadyPassed(workspace.ReadManifest().SmokeBoot, stamp))
            {
                log.Information($"{image.Name}: smoke boot already passed for this raw ({stamp.Sha256[..12]}); skipping. --force boots again.");
                return new StepDone<bool>(true, StepOutcome.Cached);
            }

            var choice = await accelerator.ChooseAsync();
            if (parameters.KeepVm)
            {
                await KeepVmAsync(workspace, choice.Accelerator);
                return new StepDone<bool>(true, StepOutcome.Skipped);
            }

            var cpus = VmCpus.For(choice.Accelerator, parameters.Vm.Cpus);
            log.Information($"{image.Name}: smoke boot ({choice.Accelerator}, {VmCpus.Describe(cpus)}, OVMF, q35, virtio-scsi), waiting up to {parameters.SmokeTimeout:g} for {SmokeBoot.OkMarker} (stalled after {VmStalledException.Describe(parameters.Vm.StallTimeout)} without serial output)");
            var result = await new VmStallRetry(log).RunAsync(image.Name, "overlay", attempt => BootInScratchAsync(workspace, choice.Accelerator, cpus, attempt, cancellation));
            workspace.UpdateManifest(m => m with { SmokeBoot = new SmokeBootSection(result.Passed, result.Marker, choice.Accelerator, stamp.Sha256) });
            if (!result.Passed)
            {
                var serial = File.Exists(workspace.SmokeSerialLog) ? $" (serial log: {workspace.SmokeSerialLog})" : string.Empty;
                throw new SmokeBootException($"{image.Name}: smoke boot failed: {result.Marker}{serial}");
            }

            log.Information($"{image.Name}: smoke boot passed in {result.Elapsed.TotalSeconds:0} s: {result.Marker}");
            return new StepDone<bool>(true, StepOutcome.Passed);
        });
    }

    /// <summary>
    /// One boot on an overlay in its own scratch folder; the serial log is kept in logs/ (a stalled attempt's also as
    /// smoke-serial.attemptN-stalled.log), the folder removed.
    /// </summary>
    private async Task<SmokeResult> BootInScratchAsync(ImageWorkspace workspace, string acceleratorName, int cpus, int attempt, CancellationToken cancellation)
    {
        using var scratch = workspace.CreateScratch("smoke");
        // A serial log of an earlier boot must not pass for this one's.
        Directory.CreateDirectory(Path.GetDirectoryName(workspace.SmokeSerialLog)!);
        File.Delete(workspace.SmokeSerialLog);
        var serial = Path.Combine(scratch.Path, "serial.log");
        try
        {
            var smoke = new SmokeBoot(runner, log) { Cpus = cpus, StallTimeout = parameters.Vm.StallTimeout };
            return await smoke.RunAsync(workspace.Raw, assets.SmokeUserData, scratch.Path, acceleratorName, AcceleratorProbe.DefaultFirmware, parameters.SmokeTimeout, cancellation);
        }
        catch (VmStalledException)
        {
            KeepSerialLog(serial, workspace.SmokeSerialLog);
            workspace.KeepStalledLog(workspace.SmokeSerialLog, attempt);
            throw;
        }
        finally
        {
            KeepSerialLog(serial, workspace.SmokeSerialLog);
        }
    }

    private static void KeepSerialLog(string serial, string kept)
    {
        if (File.Exists(serial))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(kept)!);
            File.Copy(serial, kept, overwrite: true);
        }
    }

    private async Task KeepVmAsync(ImageWorkspace workspace, string acceleratorName)
    {
        var work = workspace.NewScratchPath("smoke");
        var vm = await new SmokeBoot(runner, log) { Cpus = VmCpus.For(acceleratorName, parameters.Vm.Cpus) }.StartKeptAsync(workspace.Raw, assets.SmokeUserData, work, acceleratorName, AcceleratorProbe.DefaultFirmware);
        // Warnings, so that the way in shows at every verbosity: a VM is left running on purpose.
        log.Warning($"{workspace.Name}: KEEP_VM=1: the VM is up (pid {vm.ProcessId}, {acceleratorName}); it runs on an overlay in {work}, the raw is untouched.");
        log.Warning($"  ssh -i {vm.PrivateKey} -p {vm.SshPort} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null smoke@127.0.0.1");
        log.Warning($"  (SSH answers once cloud-init has run, about a minute under TCG; console: tail -f {vm.SerialLog}. The smoke marker is not asserted here: the key added for you counts as a leftover authorized_keys.)");
        log.Warning($"  stop it: kill {vm.ProcessId} && rm -rf {work}");
    }
}
