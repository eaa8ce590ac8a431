using System.Diagnostics;
using System.Security.Cryptography;
using GpuImageBuilder.Build.Services.Audit;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Audit;

/// <summary>
/// The auditor against a real disk image through a real guestfish session (read-only, TCG: KVM is not usable on the
/// build machines), and its failures that need no appliance.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ImageAuditorTests
{
    private static readonly AuditExpectations GpuReady = new(false, new Dictionary<string, string> { ["kubelet"] = "1.30.14-" }, GuestFixture.BuildUser)
    {
        KernelUpdatePolicyExpected = true,
        SandboxImage = GuestFixture.PauseImage,
    };

    [Test]
    public async Task A_real_image_with_planted_leftovers_reports_exactly_those_and_is_not_written()
    {
        if (CommandRunner.Which("guestfish") is null)
        {
            Assert.Ignore("guestfish is not installed (libguestfs-tools); tools/install-prerequisites.sh installs it");
        }

        using var tree = new GuestFixture();
        tree.Write("/etc/ssh/ssh_host_ed25519_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nplanted\n-----END OPENSSH PRIVATE KEY-----\n")
            .Write("/root/.bash_history", "nvidia-smi\n")
            .Write("/etc/machine-id", "0123456789abcdef0123456789abcdef\n")
            // DKMS's record of a built nvidia module: the image carries a driver its definition does not have.
            .Write("/var/lib/dkms/nvidia/565.57.01/source/dkms.conf", "PACKAGE_NAME=nvidia\n");
        var work = Path.Combine(tree.Root, "..", Path.GetFileName(tree.Root) + "-work");
        try
        {
            Directory.CreateDirectory(work);
            var image = await tree.BuildRawImageAsync(Path.Combine(work, "fixture.raw"));
            var before = SHA256.HashData(File.ReadAllBytes(image));

            var lines = new ListLog();
            var watch = Stopwatch.StartNew();
            var report = await new ImageAuditor(new CommandRunner(), lines)
                .AuditAsync(image, GpuReady, Path.Combine(work, "audit"), forceTcg: true);
            TestContext.Out.WriteLine($"audit took {watch.Elapsed.TotalSeconds:F1} s (guestfish {report.GuestfishElapsed.TotalSeconds:F1} s)");

            Assert.That(report.Violations, Is.EqualTo(new[]
            {
                "/etc/machine-id: not empty (33 bytes; 99-cleanup must truncate it so every VM gets its own machine ID)",
                "/etc/ssh/ssh_host_ed25519_key: SSH host key present (99-cleanup must remove host keys)",
                "/root/.bash_history: shell history present (11 bytes; 99-cleanup must remove it)",
                "nvidia.ko: this image is defined without the NVIDIA driver, found nvidia module 565.57.01",
            }), lines.ToString());
            Assert.That(report.Contents.NvidiaKernelModules, Is.EqualTo(new[] { "565.57.01" }), "read from the image");
            Assert.That(report.Contents.KubernetesVersion, Is.EqualTo("v1.30.14"));
            Assert.That(report.Passed, Is.False);
            Assert.That(report.Packages, Does.Contain(new InstalledPackage("kubelet", "1.30.14-1.1", Held: true)));
            // The masked timers are links to /dev/null: they must survive guestfish's tar-out and the extraction.
            Assert.That(report.Policy?.MaskedAptTimers, Is.EqualTo(NodePolicy.AptTimers), "read from the image");
            Assert.That(report.Policy?.SandboxImage, Is.EqualTo(GuestFixture.PauseImage));
            Assert.That(report.Policy?.KernelBlacklisted, Is.True);
            Assert.That(SHA256.HashData(File.ReadAllBytes(image)), Is.EqualTo(before), "the image must not be written");
            Assert.That(File.ReadAllText(Path.Combine(work, "audit", ImageAuditor.TreeDirectory, "etc/os-release")), Does.Contain("Ubuntu 22.04"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Test]
    public async Task A_missing_image_is_reported_before_any_appliance_starts()
    {
        var missing = Path.Combine(Path.GetTempPath(), "gib-audit-missing-" + Guid.NewGuid().ToString("N")[..8] + ".raw");
        var ex = await Assert.ThrowsAsync<ImageAuditException>(() => new ImageAuditor(new CommandRunner(), new ListLog()).AuditAsync(missing, GpuReady, Path.GetTempPath(), forceTcg: true));
        Assert.That(ex!.Message, Does.StartWith(missing + ": image not found"));
    }

    [Test]
    public async Task A_qcow2_image_is_refused_with_the_conversion_to_run()
    {
        var qcow2 = Path.Combine(Path.GetTempPath(), "gib-audit-" + Guid.NewGuid().ToString("N")[..8] + ".qcow2");
        File.WriteAllBytes(qcow2, [(byte)'Q', (byte)'F', (byte)'I', 0xfb, 0, 0, 0, 3]);
        try
        {
            var ex = await Assert.ThrowsAsync<ImageAuditException>(() => new ImageAuditor(new CommandRunner(), new ListLog()).AuditAsync(qcow2, GpuReady, Path.GetTempPath(), forceTcg: true));
            Assert.That(ex!.Message, Does.Contain("is a qcow2 image").And.Contain("qemu-img convert -O raw"));
        }
        finally
        {
            File.Delete(qcow2);
        }
    }

    [Test]
    public async Task A_missing_guestfish_is_a_tool_not_found_error()
    {
        var image = Path.Combine(Path.GetTempPath(), "gib-audit-" + Guid.NewGuid().ToString("N")[..8] + ".raw");
        File.WriteAllBytes(image, new byte[4096]);
        var work = image + ".work";
        try
        {
            var auditor = new ImageAuditor(new CommandRunner(), new ListLog()) { Guestfish = "guestfish-not-installed-" + Guid.NewGuid().ToString("N")[..6] };
            var ex = await Assert.ThrowsAsync<ToolNotFoundException>(() => auditor.AuditAsync(image, GpuReady, work, forceTcg: true));
            Assert.That(ex!.Message, Does.Contain("guestfish-not-installed").And.Contain("install-prerequisites.sh"));
        }
        finally
        {
            File.Delete(image);
            Directory.Delete(work, recursive: true);
        }
    }

    [Test]
    public async Task Guestfish_failures_are_explained()
    {
        // stderr as guestfish 1.48 prints it for a disk with a file system but no OS (captured on Debian 12).
        const string noOs = "guestfish: no operating system was found on this disk\n\nIf using guestfish ‘-i’ option, remove this option and instead\nuse the commands ‘run’ followed by ‘list-filesystems’.\n";
        var image = Path.Combine(Path.GetTempPath(), "gib-audit-" + Guid.NewGuid().ToString("N")[..8] + ".raw");
        File.WriteAllBytes(image, new byte[4096]);
        var work = image + ".work";
        try
        {
            var runner = new CannedRunner(new CommandResult("guestfish --ro --format=raw -a ...", 1, string.Empty, noOs, TimeSpan.FromSeconds(15)));
            var ex = await Assert.ThrowsAsync<ImageAuditException>(() => new ImageAuditor(runner, new ListLog()).AuditAsync(image, GpuReady, work, forceTcg: true));
            Assert.That(ex!.Message, Does.Contain("inspection found no operating system"));

            Assert.That(runner.Tool, Is.EqualTo("stdbuf"), "line-buffered, so the stall watch sees progress");
            Assert.That(runner.Arguments, Is.EqualTo(new[] { "-oL", CommandRunner.Which("guestfish"), "--ro", "--format=raw", "-a", Path.GetFullPath(image), "-i", "-f", ImageAuditor.ScriptFile }));
            Assert.That(runner.Options!.Environment["LIBGUESTFS_BACKEND_SETTINGS"], Is.EqualTo("force_tcg"));
            Assert.That(runner.Options.Timeout, Is.EqualTo(TimeSpan.FromMinutes(10)));
            Assert.That(runner.Options.WorkingDirectory, Is.EqualTo(Path.GetFullPath(work)));
            Assert.That(File.ReadAllText(Path.Combine(work, ImageAuditor.ScriptFile)), Does.Not.Match(@"(?m)^-?(write|upload|mkdir|rm|touch|copy-in|tar-in)\b"));

            runner = new CannedRunner(new CommandResult("guestfish", 1, string.Empty, "libguestfs: error: tar_out: something broke\n", TimeSpan.FromSeconds(15)));
            ex = await Assert.ThrowsAsync<ImageAuditException>(() => new ImageAuditor(runner, new ListLog()).AuditAsync(image, GpuReady, work, forceTcg: false));
            Assert.That(ex!.Message, Does.Contain("guestfish failed (exit 1): libguestfs: error: tar_out: something broke"));
            Assert.That(runner.Options!.Environment.ContainsKey("LIBGUESTFS_BACKEND_SETTINGS"), Is.False);
        }
        finally
        {
            File.Delete(image);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Answers guestfish with a fixed result, and remembers how it was called.</summary>
    private sealed class CannedRunner(CommandResult result) : ICommandRunner
    {
        public string? Tool { get; private set; }

        public IReadOnlyList<string>? Arguments { get; private set; }

        public CommandOptions? Options { get; private set; }

        public Task<CommandResult> RunAsync(string tool, IEnumerable<string> arguments, CommandOptions? options = null)
        {
            Tool = tool;
            Arguments = arguments.ToList();
            Options = options;
            return Task.FromResult(result);
        }
    }
}
