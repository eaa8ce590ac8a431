using System.Diagnostics;
using GpuImageBuilder.Build.Services;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Qemu;
using GpuImageBuilder.Build.Services.Vm;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Vm;

/// <summary>
/// A VM that stops writing is caught within the stall time, stopped, retried once on fresh scratch and, if it stalls
/// again, reported with both attempts: never the step's own timeout (15 minutes for a smoke boot, 2 h for Packer).
/// The stalled guest is a stand-in QEMU/Packer that prints what the stalled TCG guest of issue 12 printed, then spins.
/// </summary>
[TestFixture]
public sealed class VmStallTests
{
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(3);

    /// <summary>Prints the last lines of the stalled boot of issue 12 to the -serial file, then hangs; from boot N on it boots fine.</summary>
    private static string StandInQemu(TempDir dir, int healthyFrom) => Script(dir, "qemu-system-x86_64", $$"""
        n=$(( $(cat '{{dir.File("boots")}}' 2>/dev/null || echo 0) + 1 )); echo "$n" > '{{dir.File("boots")}}'
        serial=; prev=
        for a in "$@"; do [ "$prev" = -serial ] && serial=${a#file:}; prev=$a; done
        printf 'tsc: Marking TSC unstable due to TSCs unsynchronized\nIP idents hash table entries: 16384 (order: 5, 131072 bytes, linear)\n' >> "$serial"
        if [ "$n" -ge {{healthyFrom}} ]; then echo "{{SmokeBoot.OkMarker}}" >> "$serial"; exit 0; fi
        exec -a "$0-spin" sleep 600
        """);

    [Test]
    public async Task A_smoke_boot_that_stalls_once_is_retried_on_a_fresh_overlay_and_passes()
    {
        using var dir = new TempDir("gib-stall");
        var qemu = StandInQemu(dir, healthyFrom: 2);
        var log = new ListLog();
        var watch = Stopwatch.StartNew();
        var result = await Retry(dir, qemu, log);

        Assert.That(result.Passed, Is.True, result.Marker);
        Assert.That(watch.Elapsed, Is.LessThan(Stall * 4), "caught within the stall time, not the smoke timeout");
        var warnings = log.Lines.Where(l => l.StartsWith("warning: ", StringComparison.Ordinal)).ToList();
        Assert.That(warnings, Has.Count.EqualTo(1), log.ToString());
        Assert.That(warnings[0], Does.StartWith("warning: gpu-ready: smoke boot stalled: no serial or progress output for 3s")
            .And.Contain("last line: IP idents hash table entries: 16384").And.EndWith("retrying once on a fresh overlay"));
        Assert.That(Directory.GetDirectories(dir.Path, "attempt*"), Is.Empty, "each attempt's overlay is gone");
        Assert.That(ProcessReaper.FindMentioning(dir.Path), Is.Empty, "the stalled QEMU was stopped");
    }

    [Test]
    public async Task A_smoke_boot_that_stalls_twice_fails_naming_both_attempts_within_twice_the_stall_time()
    {
        using var dir = new TempDir("gib-stall");
        var qemu = StandInQemu(dir, healthyFrom: 99);
        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<VmStallFailedException>(() => Retry(dir, qemu, new ListLog()));

        Assert.That(watch.Elapsed, Is.LessThan(Stall * 5));
        Assert.That(ex!.Message, Does.StartWith("gpu-ready: smoke boot stalled twice, so the step failed. Attempt 1: no serial or progress output for 3s")
            .And.Contain("Attempt 2: no serial or progress output for 3s").And.Contain("--stall-timeout"));
        Assert.That(ex.First.LastLine, Does.StartWith("IP idents hash table entries"));
        Assert.That(File.ReadAllText(dir.File("boots")).Trim(), Is.EqualTo("2"), "retried exactly once");
        Assert.That(Directory.GetDirectories(dir.Path, "attempt*"), Is.Empty);
        Assert.That(ProcessReaper.FindMentioning(dir.Path), Is.Empty);
    }

    [Test]
    public void A_build_VM_that_stalls_is_stopped_retried_once_and_the_build_fails_with_both_attempts()
    {
        using var dir = new TempDir("gib-pstall");
        Script(dir, "packer", """
            if [ "${1:-}" = version ]; then echo "Packer v1.6.6"; exit 0; fi
            serial=; for a in "$@"; do case $a in serial_log=*) serial=${a#serial_log=} ;; esac; done
            echo "==> qemu.gpu-image: Starting VM, booting disk image"
            echo "EFI stub: Loaded initrd" >> "$serial"
            echo "IP idents hash table entries: 16384" >> "$serial"
            exec -a "$0-spin" sleep 600
            """);
        var baseImage = dir.File("base.qcow2");
        File.WriteAllBytes(baseImage, new byte[1024]);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(baseImage)));
        var output = dir.File("output");
        var watch = Stopwatch.StartNew();
        var result = HostRunner.RunInRepository(
            [
                "--definitions=tests/fixture/images", $"--base-image={baseImage}", $"--base-image-checksum=sha256:{sha}", $"--output-dir={output}",
                "--target=BuildQcow2", "--exclusive", "--image=gpu-ready", "--accelerator=tcg", "--stall-timeout=3s",
            ],
            TimeSpan.FromMinutes(2),
            new Dictionary<string, string> { ["PATH"] = dir.Path + ":" + Environment.GetEnvironmentVariable("PATH") });

        Assert.That(result.ExitCode, Is.EqualTo(1), result.StdOut);
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "two 3 s stalls, not the 2 h Packer timeout");
        Assert.That(result.StdOut, Does.Contain("gpu-ready: building (no current qcow2) from the base image with tcg, 1 vCPU"));
        Assert.That(result.StdOut, Does.Contain("gpu-ready: Packer build (at 'Starting VM, booting disk image') stalled: no serial or progress output for 3s")
            .And.Contain("retrying once on a fresh scratch folder"));
        Assert.That(result.StdOut, Does.Match("(?m)^Error: gpu-ready: Packer build \\(at 'Starting VM, booting disk image'\\) stalled twice, so the step failed\\. Attempt 1: .*last line: IP idents hash table entries: 16384\\)\\. Attempt 2: "));
        var logs = Path.Combine(output, "gpu-ready", "logs");
        Assert.That(File.ReadAllText(Path.Combine(logs, "build-serial.attempt1-stalled.log")), Does.Contain("IP idents hash table entries"));
        Assert.That(File.Exists(Path.Combine(logs, "build-serial.attempt2-stalled.log")), Is.True);
        Assert.That(Directory.GetFiles(Path.Combine(output, "gpu-ready")).Where(f => f.EndsWith(".qcow2", StringComparison.Ordinal) || f.Contains(".tmp", StringComparison.Ordinal)), Is.Empty, "nothing half-written");
        var work = Path.Combine(output, ".work");
        Assert.That(Directory.Exists(work) ? Directory.GetFileSystemEntries(work) : [], Is.Empty, "no scratch folder left");
        Assert.That(ProcessReaper.FindMentioning(output), Is.Empty, "the stalled Packer and its children were stopped");
    }

    private static Task<SmokeResult> Retry(TempDir dir, string qemu, IBuildLog log)
    {
        var raw = dir.File("disk.raw");
        File.WriteAllBytes(raw, new byte[1 << 20]);
        var userData = dir.File("user-data");
        File.WriteAllText(userData, "#cloud-config\n");
        var smoke = new SmokeBoot(new StandInRunner("qemu-system-x86_64", qemu), log) { StallTimeout = Stall };
        return new VmStallRetry(log).RunAsync("gpu-ready", "overlay", async attempt =>
        {
            var work = dir.File($"attempt{attempt}");
            try
            {
                return await smoke.RunAsync(raw, userData, work, "tcg", AcceleratorProbe.DefaultFirmware, TimeSpan.FromMinutes(15), CancellationToken.None);
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
        });
    }

    private static string Script(TempDir dir, string name, string body)
    {
        var path = dir.File(name);
        File.WriteAllText(path, "#!/usr/bin/env bash\nset -eu\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>The real runner, with one tool replaced by a stand-in.</summary>
    private sealed class StandInRunner(string tool, string standIn) : ICommandRunner
    {
        private readonly CommandRunner _real = new();

        public Task<CommandResult> RunAsync(string name, IEnumerable<string> arguments, CommandOptions? options = null) =>
            _real.RunAsync(name == tool ? standIn : name, arguments, options);
    }
}
