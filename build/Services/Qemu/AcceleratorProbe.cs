using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Services.Qemu;

/// <summary>The accelerator chosen for QEMU, and why.</summary>
public sealed record AcceleratorChoice(string Accelerator, string Reason);

/// <summary>
/// Chooses KVM only when a guest really runs on it. /dev/kvm can exist while guests die ("KVM internal error",
/// nested paravirtual KVM), and QEMU then pauses instead of exiting, so the presence of the device proves nothing:
/// the probe boots OVMF under KVM for a few seconds and requires its boot manager's first serial line.
/// <paramref name="kvmDevice"/> is /dev/kvm but for tests of the decision.
/// </summary>
public sealed class AcceleratorProbe(ICommandRunner runner, string kvmDevice = "/dev/kvm")
{
    public const string DefaultFirmware = "/usr/share/ovmf/OVMF.fd";

    /// <summary>What OVMF prints on the serial console once its boot manager runs.</summary>
    public const string ReachedMarker = "BdsDxe";

    /// <summary>
    /// <see cref="ChooseAsync"/>, remembered in <paramref name="cacheFile"/> until the machine reboots (the answer
    /// depends on the kernel and its KVM, which only change across a boot).
    /// </summary>
    public async Task<AcceleratorChoice> ChooseCachedAsync(string requested, string cacheFile)
    {
        if (requested is "kvm" or "tcg")
        {
            return new(requested, "requested with --accelerator");
        }

        var bootId = File.Exists("/proc/sys/kernel/random/boot_id") ? File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim() : null;
        if (bootId is not null && File.Exists(cacheFile))
        {
            var lines = File.ReadAllLines(cacheFile);
            if (lines.Length >= 3 && lines[0] == bootId && lines[1] is "kvm" or "tcg")
            {
                return new(lines[1], lines[2] + " (probed earlier this boot)");
            }
        }

        var choice = await ChooseAsync(requested);
        if (bootId is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(cacheFile))!);
            Images.AtomicFile.WriteAllText(cacheFile, $"{bootId}\n{choice.Accelerator}\n{choice.Reason}\n");
        }

        return choice;
    }

    public async Task<AcceleratorChoice> ChooseAsync(string requested, string firmware = DefaultFirmware, TimeSpan? timeout = null)
    {
        if (requested is "kvm" or "tcg")
        {
            return new(requested, "requested with --accelerator");
        }

        if (!File.Exists(kvmDevice))
        {
            return new("tcg", $"no {kvmDevice}");
        }

        try
        {
            using var _ = File.Open(kvmDevice, FileMode.Open, FileAccess.ReadWrite);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return new("tcg", $"{kvmDevice} is not usable by this user ({ex.Message.Trim()}); add the user to the kvm group for speed");
        }

        var serial = Path.Combine(Path.GetTempPath(), $"kvm-probe-{Guid.NewGuid():N}.log");
        try
        {
            var limit = timeout ?? TimeSpan.FromSeconds(20);
            using var reached = new CancellationTokenSource();
            var watcher = WatchAsync(serial, reached, limit);
            CommandResult? result = null;
            string? kvmError = null;
            try
            {
                result = await runner.RunAsync(
                    "qemu-system-x86_64",
                    ["-accel", "kvm", "-machine", "q35", "-m", "128", "-bios", firmware, "-display", "none", "-nodefaults", "-no-reboot", "-serial", $"file:{serial}"],
                    new CommandOptions
                    {
                        Timeout = limit,
                        Cancellation = reached.Token,
                        // A KVM internal error pauses the guest for good: no need to wait out the limit.
                        OnLine = line =>
                        {
                            if (line.Contains("KVM internal error", StringComparison.Ordinal) || line.Contains("failed to initialize kvm", StringComparison.OrdinalIgnoreCase))
                            {
                                kvmError = line.Trim();
                                reached.Cancel();
                            }
                        },
                    });
            }
            catch (OperationCanceledException)
            {
                // The watcher saw the marker and stopped the guest: KVM works.
            }
            catch (CommandTimeoutException)
            {
                // Neither the marker nor an exit: a paused guest, typical of a KVM internal error.
            }

            var ok = await watcher;
            if (ok)
            {
                return new("kvm", "a KVM test boot reached the firmware's boot manager");
            }

            var why = kvmError ?? result?.OutputLines.FirstOrDefault(l => l.Contains("KVM", StringComparison.Ordinal)) ?? "the test boot did not reach the firmware's boot manager";
            return new("tcg", $"KVM does not run guests here ({why})");
        }
        finally
        {
            File.Delete(serial);
        }
    }

    private static async Task<bool> WatchAsync(string serial, CancellationTokenSource reached, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline && !reached.IsCancellationRequested)
        {
            if (File.Exists(serial))
            {
                string text;
                using (var stream = new FileStream(serial, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
                using (var reader = new StreamReader(stream))
                {
                    text = await reader.ReadToEndAsync();
                }

                if (text.Contains(ReachedMarker, StringComparison.Ordinal))
                {
                    await reached.CancelAsync();
                    return true;
                }
            }

            await Task.Delay(200);
        }

        return false;
    }
}
