using System.Diagnostics;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Vm;

namespace GpuImageBuilder.Build.Services.Packer;

/// <summary>
/// Runs <c>packer build</c> for one image: streams progress (each Packer step with the elapsed time, and a heartbeat
/// while a long step runs), stops the whole process tree (Packer and its QEMU) on timeout or cancellation, and
/// returns the qcow2 left in Packer's output folder. The caller moves it into place: nothing half-written ever sits
/// where a finished image belongs.
/// </summary>
public sealed class PackerBuilder(ICommandRunner runner, PackerTool packer, IBuildLog log)
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);

    /// <summary>How Packer's own step messages begin (QEMU builder, shell and file provisioners).</summary>
    private static readonly string[] StepPrefixes =
    [
        "Retrieving", "Trying", "Downloading", "Creating", "Copying", "Resizing", "Starting", "Waiting", "Connected",
        "Found port", "Looking for", "Overriding", "Using", "Provisioning", "Uploading", "Gracefully", "Halting",
        "Converting", "Deleting", "Compacting", "Running", "Pausing", "Executing", "Build ",
    ];

    public static bool IsStep(string message) => StepPrefixes.Any(p => message.StartsWith(p, StringComparison.Ordinal));

    /// <summary>The steps between which a VM runs: the stall watch judges only that phase (a download cannot stall).</summary>
    public static bool StartsVm(string step) => step.StartsWith("Starting VM", StringComparison.Ordinal);

    public static bool EndsVm(string step) =>
        step.StartsWith("Converting", StringComparison.Ordinal) || step.StartsWith("Compacting", StringComparison.Ordinal)
        || step.StartsWith("Deleting", StringComparison.Ordinal);

    public async Task<string> BuildAsync(
        PackerRun run,
        BuildParameters parameters,
        AssetPaths assets,
        string cacheDirectory,
        CancellationToken cancellation)
    {
        await packer.EnsureQemuPluginAsync();
        var watch = Stopwatch.StartNew();
        var step = "starting";
        var lastStepAt = TimeSpan.Zero;
        var tail = new Queue<string>();
        var gate = new object();

        // The build VM's seed prints a heartbeat on the serial console (cloud-init/build-user-data.yaml), so a
        // healthy guest is never silent for long, even inside a quiet provisioning command.
        using var stall = new StallWatch(parameters.Vm.StallTimeout, armed: false);
        if (run.SerialLog is { } serialLog)
        {
            stall.WatchFile(serialLog);
        }

        void OnLine(string line)
        {
            lock (gate)
            {
                log.Verbose(line);
                stall.Activity(line);
                tail.Enqueue(line);
                if (tail.Count > 40)
                {
                    tail.Dequeue();
                }

                // "==> qemu.gpu-image: Waiting for SSH to become available..."
                // Packer prints its steps and the provisioners' stderr alike as "==> builder: ..."; only the
                // former are steps. "==> Builds finished..." (no builder prefix) is a summary.
                var arrow = line.IndexOf("==> ", StringComparison.Ordinal);
                var colon = arrow >= 0 ? line.IndexOf(": ", arrow, StringComparison.Ordinal) : -1;
                if (colon > 0 && IsStep(line[(colon + 2)..]))
                {
                    step = line[(colon + 2)..];
                    lastStepAt = watch.Elapsed;
                    if (StartsVm(step) || EndsVm(step))
                    {
                        stall.Arm(StartsVm(step));
                    }

                    log.Information($"[{run.Image.Name} {watch.Elapsed:mm\\:ss}] {step}");
                }
            }
        }

        using var heartbeat = new Timer(
            _ =>
            {
                lock (gate)
                {
                    if (watch.Elapsed - lastStepAt >= Heartbeat)
                    {
                        log.Information($"[{run.Image.Name} {watch.Elapsed:mm\\:ss}] still running: {step}");
                        lastStepAt = watch.Elapsed;
                    }
                }
            },
            null,
            Heartbeat,
            Heartbeat);

        var timeout = parameters.Vm.Timeout;
        CommandResult result;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, stall.Token);
        try
        {
            result = await runner.RunAsync(
                packer.Executable,
                ["build", "-color=false", .. PackerVariables.Arguments(run, parameters, assets), assets.Templates],
                new CommandOptions
                {
                    Environment = PackerTool.Environment(cacheDirectory),
                    Timeout = timeout,
                    OnLine = OnLine,
                    Cancellation = stop.Token,
                    WorkingDirectory = assets.Root,
                });
        }
        catch (OperationCanceledException) when (stall.Stalled && !cancellation.IsCancellationRequested)
        {
            throw new VmStalledException($"Packer build (at '{step}')", stall.Limit, stall.StalledAt, stall.LastLine);
        }
        catch (CommandTimeoutException)
        {
            throw new PackerBuildException($"Packer build of {run.Image.Name} ran past --packer-timeout={timeout:g} (last step: {step}); Packer and QEMU were stopped, nothing was kept");
        }

        if (!result.Succeeded)
        {
            string[] lines;
            lock (gate)
            {
                lines = [.. tail];
            }

            var cause = lines.LastOrDefault(l => l.Contains("errored", StringComparison.Ordinal) || l.Contains("Error", StringComparison.Ordinal))
                ?? lines.LastOrDefault() ?? $"exit code {result.ExitCode}";
            // Name the serial log only when QEMU wrote one: a build that failed before the VM started has none.
            var serial = run.SerialLog is { } qemuSerial && File.Exists(qemuSerial) ? $"; serial console: {qemuSerial}" : string.Empty;
            throw new PackerBuildException($"Packer build of {run.Image.Name} failed at '{step}': {cause.Trim()} (full log above at --verbosity=verbose{serial})");
        }

        var qcow2 = Path.Combine(run.OutputDirectory, run.VmName);
        if (!File.Exists(qcow2))
        {
            throw new PackerBuildException($"Packer reported success but left no {run.VmName} in {run.OutputDirectory}");
        }

        return qcow2;
    }
}

public sealed class PackerBuildException(string message) : Exception(message);
