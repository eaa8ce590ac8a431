using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.GpuValidation;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Publishing;

namespace GpuImageBuilder.Build.Services.Verify;

/// <summary>VerifyInstance found failures: the table was printed; this is the one error line.</summary>
public sealed class VerifyFailedException(string message) : Exception(message);

/// <summary>
/// Verifies a booted nvidia-firmware1 instance over SSH: reads the payload, lock file and workload manifest first
/// (a missing one is an error before any connection), reads the instance's facts in one round trip, evaluates the
/// instance checks, pulls and runs every workload by digest, runs the image's own 06-verify-nvidia.sh, and returns
/// the report. Never reports a check that could not run as passed.
/// </summary>
public sealed class InstanceVerifier(ICommandRunner runner, IBuildLog log)
{
    public const string ContainerdNamespace = "gpu-image-builder";

    public async Task<VerifyReport> RunAsync(InstanceSettings instance, string verifyScript, CancellationToken cancellation)
    {
        var payload = PayloadJson.Read(instance.Payload);
        var lockFile = ValidationImageFiles.ReadLock(instance.LockFile);
        var manifest = ValidationImageFiles.ReadManifest(instance.WorkloadManifest);
        var registry = instance.Registry is { } r ? InstanceRegistry.Parse(r) : InstanceRegistry.Parse(lockFile.Registry);
        var runs = WorkloadPlan.For(lockFile, manifest, instance.Registry is null ? null : registry, instance.LockFile);
        var expected = new VerifyExpectations(payload.Spec.Gpu?.Driver, instance.ExpectGpu);
        var script = File.ReadAllText(verifyScript);

        InstanceShell.CheckKey(instance.Key);
        var shell = new InstanceShell(runner, instance);
        log.Information($"VerifyInstance: {shell.Target}, image {payload.Metadata.Name} ({(expected.Driver is { } d ? $"driver {d}" : VerifyExpectations.WithoutDriver)}), --expect-gpu={instance.ExpectGpu.ToString().ToLowerInvariant()}");
        var probe = await shell.RunAsync("sudo -n bash -s", InstanceFacts.Script, cancellation);
        if (probe.ExitCode != 0)
        {
            throw new InstanceUnreachableException($"{shell.Target}: the probe could not run as root (exit {probe.ExitCode}: {probe.FirstError}): --{Arg.InstanceUser} needs passwordless sudo");
        }

        var facts = InstanceFacts.Parse(probe.StdOut);
        var results = InstanceChecks.Evaluate(facts, expected).ToList();
        results.AddRange(await RunWorkloadsAsync(shell, runs, registry, facts, expected, cancellation));

        log.Information($"  {VerifyScriptRun.Name}");
        var verify = await shell.RunAsync(VerifyScriptRun.RemoteCommand(expected.Driver), script, cancellation);
        foreach (var line in (verify.StdOut + verify.StdErr).Split('\n').Where(l => l.Length > 0))
        {
            log.Verbose("    " + line);
        }

        results.Add(VerifyScriptRun.Assess(verify, expected));
        return new VerifyReport(shell.Target, results);
    }

    private async Task<List<CheckResult>> RunWorkloadsAsync(InstanceShell shell, IReadOnlyList<PlannedRun> runs, InstanceRegistry registry, InstanceFacts facts, VerifyExpectations expected, CancellationToken cancellation)
    {
        var results = new List<CheckResult>();
        var cdi = facts[InstanceFacts.CdiSpecs].Succeeded;
        var pulled = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            if (expected.Gate(run.Name, run.Needs, facts.GpuPresent) is { } gated)
            {
                results.Add(gated);
                continue;
            }

            if (run.Route == WorkloadRoute.Cdi && !cdi)
            {
                // "Where configured": an instance without nvidia CDI specs runs the workloads through the runtime only.
                results.Add(CheckResult.NotRun(run.Name, "no nvidia CDI spec in /etc/cdi or /var/run/cdi"));
                continue;
            }

            if (!pulled.TryGetValue(run.Reference, out var pullError))
            {
                log.Information($"  pulling {run.Reference}");
                var pull = await shell.RunAsync(PullCommand(run.Reference, registry.PlainHttp), null, cancellation);
                pullError = pull.ExitCode == 0 ? null : $"pull of {run.Reference} failed (exit {pull.ExitCode}): {pull.FirstError}";
                pulled[run.Reference] = pullError;
            }

            if (pullError is not null)
            {
                results.Add(CheckResult.Fail(run.Name, pullError));
                continue;
            }

            log.Information($"  running {run.Name}");
            var result = await shell.RunAsync(RunCommand(run, facts[InstanceFacts.CtrCdiFlag].Succeeded), null, cancellation);
            results.Add(WorkloadAssessment.Assess(run.Name, run.Workload, result));
        }

        return results;
    }

    public static string PullCommand(string reference, bool plainHttp) =>
        "sudo -n " + InstanceShell.CommandLine(["ctr", "-n", ContainerdNamespace, "images", "pull", .. plainHttp ? new[] { "--plain-http" } : [], reference]) + " >/dev/null";

    /// <summary>ctr run --rm of the by-digest reference with the workload's explicit command (a harness may replace the entrypoint).</summary>
    public static string RunCommand(PlannedRun run, bool ctrHasCdiFlag)
    {
        string[] route = run.Route switch
        {
            WorkloadRoute.Runc => [],
            // NVIDIA's documented way for ctr: the toolkit's runtime as the runc binary, all GPUs visible.
            WorkloadRoute.NvidiaRuntime => ["--runc-binary", "/usr/bin/nvidia-container-runtime", "--env", "NVIDIA_VISIBLE_DEVICES=all"],
            // containerd 1.7+ ctr spells the CDI device --cdi-device; 2.x takes it in --device.
            _ => [ctrHasCdiFlag ? "--cdi-device" : "--device", "nvidia.com/gpu=all"],
        };
        var id = $"gpu-image-verify-{run.Workload.Name}-{Guid.NewGuid().ToString("N")[..12]}";
        return "sudo -n " + InstanceShell.CommandLine(["ctr", "-n", ContainerdNamespace, "run", "--rm", .. route, run.Reference, id, .. run.Workload.Command]);
    }
}
