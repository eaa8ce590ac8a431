using GpuImageBuilder.Build.Services.GpuValidation;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Qemu;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Pipeline;

/// <summary>
/// VerifyInstance as a user runs it, over real SSH, against the fixture's nvidia-firmware1 booted in QEMU (the
/// pipeline test's image): the validation images published by PublishValidationImages to a real registry on
/// 127.0.0.1, pulled by digest by the guest's containerd through a QEMU guest forward (10.0.2.100:5000 in the guest),
/// run through ctr. No GPU here: every GPU check must say so and never pass; without --expect-gpu=false it must fail.
/// </summary>
public sealed partial class FixturePipelineTests
{
    [Test]
    [DependsOnTest(nameof(FixturePipelineTests.Both_images_build_convert_checksum_audit_and_smoke_boot_then_a_rerun_is_a_cache_hit))]
    public async Task VerifyInstance_on_the_fixture_VM_passes_what_needs_no_GPU_and_never_passes_a_GPU_check()
    {
        var checksum = _checksum;
        var raw = Path.Combine(Output, "nvidia-firmware1", "nvidia-firmware1.raw");
        Assert.That(File.Exists(raw), Is.True, "the pipeline test builds nvidia-firmware1 first");
        using var work = new TempDir("gib-verify-vm");
        var runner = new CommandRunner();

        // A real registry on a free port; the images built and pushed by the real target, lock and manifest in a temp dir.
        var registryDir = Path.Combine(work.Path, "registry");
        var start = await runner.RunAsync(RepoPaths.InRepo("tools", "servers", "registry.sh"), ["start", registryDir, "--port", "0", "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)], new CommandOptions { Timeout = TimeSpan.FromMinutes(1) });
        Assert.That(start.ExitCode, Is.Zero, start.StdOut + start.StdErr);
        var registry = start.StdOut.Trim().Split('\n')[^1].Trim();
        var port = registry.Split(':')[1];
        try
        {
            var lockFile = Path.Combine(work.Path, "images.lock.json");
            var manifest = Path.Combine(work.Path, "workloads.json");
            var publish = HostRunner.RunInRepository(
                ["--target=PublishValidationImages", $"--registry={registry}", "--registry-tls-verify=false", $"--validation-images-lock={lockFile}", $"--workload-manifest={manifest}"],
                TimeSpan.FromMinutes(30));
            Assert.That(publish.ExitCode, Is.Zero, publish.ToString());
            Assert.That(ValidationImageFiles.ReadLock(lockFile).Images.Select(i => i.Name), Is.EquivalentTo(ValidationImages.All));

            // The payload VerifyInstance reads the expected driver from (the fixture has none: no gpu object).
            var payload = HostRunner.RunInRepository(
                FixtureImage.Arguments(checksum, Output, "--target=GeneratePayload", "--exclusive", "--image=nvidia-firmware1", "--s3-bucket=verify", "--s3-endpoint=http://127.0.0.1:9"),
                TimeSpan.FromMinutes(5));
            Assert.That(payload.ExitCode, Is.Zero, payload.ToString());

            var log = new ListLog();
            var boot = new SmokeBoot(runner, log)
            {
                // cmd: forks a relay per guest connection (tcp: would be one connection, opened at QEMU's start).
                GuestForwards = [$"tcp:10.0.2.100:5000-cmd:busybox nc 127.0.0.1 {port}"],
            };
            var accelerator = await new AcceleratorProbe(runner).ChooseAsync("auto");
            var vm = await boot.StartKeptAsync(raw, RepoPaths.InRepo("cloud-init", "smoke-user-data.yaml"), Path.Combine(work.Path, "vm"), accelerator.Accelerator, AcceleratorProbe.DefaultFirmware);
            try
            {
                string[] Verify(params string[] extra) =>
                [
                    "--target=VerifyInstance", "--instance-host=127.0.0.1", $"--ssh-port={vm.SshPort}", "--instance-user=smoke",
                    $"--ssh-key={vm.PrivateKey}", $"--ssh-known-hosts={Path.Combine(work.Path, "known_hosts")}", "--ssh-timeout=20s",
                    "--instance-registry=http://10.0.2.100:5000", $"--validation-images-lock={lockFile}", $"--workload-manifest={manifest}",
                    $"--output-dir={Output}", .. extra,
                ];

                await WaitForSshAsync(runner, vm, work.Path, TimeSpan.FromMinutes(15));

                var result = HostRunner.RunInRepository(Verify("--expect-gpu=false"), TimeSpan.FromMinutes(20));
                Assert.That(result.ExitCode, Is.Zero, result.ToString());
                var rows = result.StdOut.Split('\n');
                Assert.That(rows.Any(r => r.Contains("smoke-pass (containerd, runc)", StringComparison.Ordinal) && r.Contains("passed", StringComparison.OrdinalIgnoreCase)), Is.True, result.StdOut);
                Assert.That(rows.Any(r => r.Contains("smoke-fail (containerd, runc)", StringComparison.Ordinal) && r.Contains("passed", StringComparison.OrdinalIgnoreCase)), Is.True, "smoke-fail failed as it must: " + result.StdOut);
                // The fixture's nvidia-firmware1 has no driver (its 04 is faked): every GPU row says why it did not run.
                var gpuRows = rows.Where(r => r.Contains("cuda-basic", StringComparison.Ordinal) || r.Contains("CDI nvidia.com/gpu=all", StringComparison.Ordinal)).ToList();
                Assert.That(gpuRows, Is.Not.Empty.And.All.Contains("not run"), result.StdOut);
                Assert.That(result.StdOut, Does.Not.Contain("FAILED").And.Match(@"VerifyInstance \S+: [1-9]\d* passed, 0 failed, [1-9]\d* not run"), result.StdOut);

                // A user verifying a real instance: a GPU check that could not run is a failure.
                result = HostRunner.RunInRepository(Verify(), TimeSpan.FromMinutes(20));
                Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
                Assert.That(result.Output, Does.Contain("FAILED"), result.ToString());
            }
            finally
            {
                await runner.RunAsync("kill", [vm.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }
        }
        finally
        {
            await runner.RunAsync(RepoPaths.InRepo("tools", "servers", "registry.sh"), ["stop", registryDir]);
        }
    }

    /// <summary>Until cloud-init has created the smoke user and sshd answers (minutes under TCG).</summary>
    private static async Task WaitForSshAsync(CommandRunner runner, KeptVm vm, string work, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        CommandResult? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await runner.RunAsync("ssh", ["-i", vm.PrivateKey, "-p", vm.SshPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", $"UserKnownHostsFile={Path.Combine(work, "probe_known_hosts")}", "-o", "ConnectTimeout=10", "smoke@127.0.0.1", "cloud-init status --wait >/dev/null 2>&1; true"], new CommandOptions { Timeout = TimeSpan.FromMinutes(10) });
            if (last.ExitCode == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(10));
        }

        Assert.Fail($"no SSH into the kept VM within {limit}: {string.Join(" ", last?.OutputLines ?? [])}\n{File.ReadAllText(vm.SerialLog)}");
    }
}
