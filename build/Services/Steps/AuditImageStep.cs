using System.Diagnostics;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Audit;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Vm;

namespace GpuImageBuilder.Build.Services.Steps;

/// <summary>
/// AuditImage for one image: a read-only look inside the raw; every violation is reported. Records what the image
/// contains (read from it) and the verdict in the manifest; a passed audit is not repeated for the same raw.
/// </summary>
public sealed class AuditImageStep(BuildParameters parameters, ImageWorkspaces workspaces, AcceleratorSelection accelerator, ICommandRunner runner, IBuildLog log) : IImageStep
{
    public const string Name = "AuditImage";

    public Task RunAsync(ImageDefinition image, CancellationToken cancellation)
    {
        var workspace = workspaces.For(image);
        return workspace.RecordAsync(Name, async () =>
        {
            var stamp = workspace.RequireChecksummedRaw();
            if (!parameters.Force && ImageWorkspace.AlreadyPassed(workspace.ReadManifest().Audit, stamp))
            {
                log.Information($"{image.Name}: audit already passed for this raw ({stamp.Sha256[..12]}); skipping. --force audits again.");
                return new StepDone<bool>(true, StepOutcome.Cached);
            }

            var choice = await accelerator.ChooseAsync();
            var expectations = ImageRequest.Expectations(image, parameters, BuildSeed.DefaultUser);
            var watch = Stopwatch.StartNew();
            var report = await new VmStallRetry(log).RunAsync(image.Name, "appliance", _ => AuditInScratchAsync(workspace, expectations, choice.Accelerator == "tcg", cancellation));
            workspace.UpdateManifest(m => m with
            {
                Packages = [.. report.Packages.OrderBy(p => p.Name, StringComparer.Ordinal)],
                Contents = report.Contents,
                Audit = new AuditSection(report.Passed, report.Violations, expectations.FirmwareOptionExpected, expectations.PinnedPackages, stamp.Sha256)
                {
                    KernelUpdatePolicyExpected = expectations.KernelUpdatePolicyExpected,
                    SandboxImageExpected = expectations.SandboxImage,
                    FabricManagerExpected = expectations.FabricManagerExpected,
                    Policy = report.Policy,
                },
            });
            foreach (var violation in report.Violations)
            {
                log.Warning($"  {image.Name}: {violation}");
            }

            if (!report.Passed)
            {
                throw new ImageAuditException($"{image.Name}: the audit found {report.Violations.Count} violation{(report.Violations.Count == 1 ? string.Empty : "s")} (listed above, and in {workspace.ManifestFile})");
            }

            log.Information($"{image.Name}: audit passed ({report.Packages.Count} packages, {expectations.PinnedPackages.Count} pins checked, firmware option {(expectations.FirmwareOptionExpected ? "present" : "absent")} as expected) in {watch.Elapsed.TotalSeconds:0} s");
            return new StepDone<bool>(true, StepOutcome.Passed);
        });
    }

    /// <summary>One guestfish session in its own scratch folder (it holds a copy of /etc/shadow), removed afterwards.</summary>
    private async Task<AuditReport> AuditInScratchAsync(ImageWorkspace workspace, AuditExpectations expectations, bool forceTcg, CancellationToken cancellation)
    {
        using var scratch = workspace.CreateScratch("audit");
        return await new ImageAuditor(runner, log) { StallTimeout = parameters.Vm.StallTimeout }.AuditAsync(workspace.Raw, expectations, scratch.Path, forceTcg, cancellation);
    }
}
