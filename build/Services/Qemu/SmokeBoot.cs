using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Vm;

namespace GpuImageBuilder.Build.Services.Qemu;

/// <summary>What a smoke boot saw.</summary>
public sealed record SmokeResult(bool Passed, string Marker, TimeSpan Elapsed, string SerialLog);

/// <summary>A running VM left up by KEEP_VM=1.</summary>
public sealed record KeptVm(int ProcessId, int SshPort, string PrivateKey, string SerialLog);

/// <summary>
/// Boots a finished raw image the way the region does (OVMF UEFI, q35, virtio-scsi) with a NoCloud seed
/// (cloud-init/smoke-user-data.yaml) whose final stage prints GPU-IMAGE-SMOKE-OK or GPU-IMAGE-SMOKE-FAIL on the
/// serial console and powers off. The artifact is never written: the VM runs on a qcow2 overlay one GiB larger
/// (so first-boot growth has something to grow into). Networking is QEMU's user mode with restrict=on: DHCP
/// inside, nothing outside.
/// Over 200 lines: the watched boot and the KEEP_VM boot share the overlay, the seed and the QEMU command line.
/// </summary>
public sealed partial class SmokeBoot(ICommandRunner runner, IBuildLog log)
{
    public const string OkMarker = "GPU-IMAGE-SMOKE-OK";
    public const string FailMarker = "GPU-IMAGE-SMOKE-FAIL";

    [GeneratedRegex(@"(?m)^power_state:\n(?:[ \t]+.*\n?)*")]
    private static partial Regex PowerStateBlock();

    /// <summary>A boot whose serial console stays silent this long is stopped as stalled (<see cref="StallWatch"/>).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>vCPUs of the VM (see <see cref="VmCpus"/>: one under TCG).</summary>
    public int Cpus { get; init; } = 1;

    /// <summary>
    /// QEMU user-network guestfwd rules for a kept VM, as QEMU spells them (tcp:10.0.2.100:5000-tcp:127.0.0.1:5000):
    /// a service on the host (a test registry) the guest reaches at a fixed address. Empty for the smoke boot, so its
    /// arguments stay as they were. A tcp: target is one chardev opened when QEMU starts: the service must already
    /// listen, and QEMU relays one guest connection at a time.
    /// </summary>
    public IReadOnlyList<string> GuestForwards { get; init; } = [];

    public async Task<SmokeResult> RunAsync(string raw, string userDataFile, string workDirectory, string accelerator, string firmware, TimeSpan timeout, CancellationToken cancellation)
    {
        var (overlay, seed, serial) = await PrepareAsync(raw, File.ReadAllText(userDataFile), workDirectory, keepVmKey: null);
        var watch = Stopwatch.StartNew();
        using var stall = new StallWatch(StallTimeout);
        stall.WatchFile(serial);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, stall.Token);
        var qemu = runner.RunAsync("qemu-system-x86_64", QemuArguments(overlay, seed, serial, accelerator, firmware, sshPort: null, Cpus), new CommandOptions
        {
            Timeout = timeout + TimeSpan.FromMinutes(2),
            Cancellation = stop.Token,
        });

        string? marker = null;
        var lastNote = TimeSpan.Zero;
        while (watch.Elapsed < timeout && !qemu.IsCompleted && !stall.Stalled)
        {
            marker = FindMarker(serial);
            if (marker is not null)
            {
                break;
            }

            if (watch.Elapsed - lastNote >= TimeSpan.FromSeconds(30))
            {
                lastNote = watch.Elapsed;
                log.Information($"  smoke boot {watch.Elapsed:mm\\:ss}: {LastLine(serial)}");
            }

            try
            {
                await Task.Delay(500, stop.Token);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                // The stall watch fired; handled below.
            }
        }

        marker ??= FindMarker(serial);
        var elapsed = watch.Elapsed;

        // The seed powers the VM off after the marker; give it a minute, then stop it.
        try
        {
            await qemu.WaitAsync(TimeSpan.FromSeconds(marker is null ? 0 : 60), cancellation);
        }
        catch (TimeoutException)
        {
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await qemu;
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
            }
            catch (CommandTimeoutException)
            {
            }
        }

        if (marker is null && stall.Stalled)
        {
            throw VmStalledException.From("smoke boot", stall);
        }

        if (marker is null)
        {
            var qemuError = qemu.IsCompletedSuccessfully && !qemu.Result.Succeeded ? $"; QEMU said: {string.Join(" ", qemu.Result.OutputLines.Take(2))}" : string.Empty;
            return new SmokeResult(false, $"no {OkMarker} or {FailMarker} on the serial console within {timeout:g} (last line: {LastLine(serial)}){qemuError}", elapsed, serial);
        }

        return new SmokeResult(marker.StartsWith(OkMarker, StringComparison.Ordinal), marker, elapsed, serial);
    }

    /// <summary>KEEP_VM=1: the same boot, but the VM stays up (no power-off) with SSH on 127.0.0.1 and a fresh key.</summary>
    public async Task<KeptVm> StartKeptAsync(string raw, string userDataFile, string workDirectory, string accelerator, string firmware)
    {
        var key = Path.Combine(workDirectory, "id_ed25519");
        Directory.CreateDirectory(workDirectory);
        var keygen = await runner.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-C", "gpu-image-smoke", "-f", key]);
        if (!keygen.Succeeded)
        {
            throw new InvalidOperationException("ssh-keygen failed: " + string.Join(" ", keygen.OutputLines));
        }

        var (overlay, seed, serial) = await PrepareAsync(raw, File.ReadAllText(userDataFile), workDirectory, File.ReadAllText(key + ".pub").Trim());
        var port = FreePort();
        var psi = new ProcessStartInfo(CommandRunner.Which("qemu-system-x86_64") ?? throw new ToolNotFoundException("qemu-system-x86_64"))
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in QemuArguments(overlay, seed, serial, accelerator, firmware, port, Cpus, GuestForwards).Concat(["-daemonize", "-pidfile", Path.Combine(workDirectory, "qemu.pid")]))
        {
            psi.ArgumentList.Add(a);
        }

        using var daemon = Process.Start(psi)!;
        await daemon.WaitForExitAsync();
        if (daemon.ExitCode != 0)
        {
            throw new InvalidOperationException("QEMU did not start: " + await daemon.StandardError.ReadToEndAsync());
        }

        var pid = int.Parse(File.ReadAllText(Path.Combine(workDirectory, "qemu.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return new KeptVm(pid, port, key, serial);
    }

    /// <summary>The overlay, the seed ISO and the serial log path.</summary>
    private async Task<(string Overlay, string Seed, string Serial)> PrepareAsync(string raw, string userData, string workDirectory, string? keepVmKey)
    {
        Directory.CreateDirectory(workDirectory);
        var overlay = Path.Combine(workDirectory, "overlay.qcow2");
        var size = new FileInfo(raw).Length + (1L << 30);
        await Check(runner.RunAsync("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", Path.GetFullPath(raw), overlay, size.ToString(System.Globalization.CultureInfo.InvariantCulture)]), "qemu-img create (overlay)");

        var seedDir = Path.Combine(workDirectory, "seed");
        Directory.CreateDirectory(seedDir);
        if (keepVmKey is not null)
        {
            // Stay up, and let the person who asked in: a user with the fresh key, sudo without password.
            userData = PowerStateBlock().Replace(userData.Replace("\r", string.Empty), string.Empty)
                + $"\nusers:\n  - name: smoke\n    shell: /bin/bash\n    sudo: \"ALL=(ALL) NOPASSWD:ALL\"\n    lock_passwd: true\n    ssh_authorized_keys:\n      - {keepVmKey}\n";
        }

        await File.WriteAllTextAsync(Path.Combine(seedDir, "user-data"), userData);
        await File.WriteAllTextAsync(Path.Combine(seedDir, "meta-data"), $"instance-id: smoke-{Guid.NewGuid():N}\nlocal-hostname: gpu-image-smoke\n", Encoding.UTF8);
        var seed = Path.Combine(workDirectory, "seed.iso");
        await Check(runner.RunAsync("xorriso", ["-as", "mkisofs", "-quiet", "-V", "cidata", "-J", "-r", "-o", seed, seedDir]), "xorriso (seed ISO)");
        return (overlay, seed, Path.Combine(workDirectory, "serial.log"));
    }

    public static IReadOnlyList<string> QemuArguments(string overlay, string seed, string serial, string accelerator, string firmware, int? sshPort, int cpus = 1, IReadOnlyList<string>? guestForwards = null) =>
    [
        "-machine", $"q35,accel={accelerator}",
        "-m", "1024",
        "-smp", cpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-bios", firmware,
        "-device", "virtio-scsi-pci,id=scsi0",
        "-drive", $"if=none,id=disk0,file={overlay},format=qcow2",
        "-device", "scsi-hd,drive=disk0,bus=scsi0.0",
        "-drive", $"if=none,id=seed0,file={seed},format=raw,media=cdrom,readonly=on",
        // The seed CD on the same virtio-scsi controller: q35's default AHCI CD is invisible to kernels without AHCI (Debian's cloud kernel).
        "-device", "scsi-cd,drive=seed0,bus=scsi0.0",
        "-netdev", $"user,id=net0,restrict=on{(sshPort is { } p ? $",hostfwd=tcp:127.0.0.1:{p}-:22" : string.Empty)}{string.Concat((guestForwards ?? []).Select(f => ",guestfwd=" + f))}",
        "-device", "virtio-net-pci,netdev=net0",
        "-display", "none",
        "-serial", $"file:{serial}",
        "-no-reboot",
    ];

    /// <summary>The first marker line on the serial console, if any.</summary>
    public static string? FindMarker(string serial)
    {
        if (!File.Exists(serial))
        {
            return null;
        }

        using var stream = new FileStream(serial, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            foreach (var marker in new[] { OkMarker, FailMarker })
            {
                var at = line.IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0)
                {
                    return line[at..].Trim();
                }
            }
        }

        return null;
    }

    private static string LastLine(string serial) => SerialConsole.LastLine(serial, 120) ?? "(nothing yet)";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task Check(Task<CommandResult> run, string what)
    {
        var result = await run;
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{what} failed: {string.Join(" ", result.OutputLines.Take(3))}");
        }
    }
}

public sealed class SmokeBootException(string message) : Exception(message);
