using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Tests.Infrastructure;
using Newtonsoft.Json.Linq;

namespace GpuImageBuilder.Build.Tests.Pipeline;

/// <summary>
/// The whole image pipeline on this machine with real Packer, QEMU and libguestfs, on the offline fixture:
/// BuildQcow2 (gpu-ready, then nvidia-firmware1 layered on it) → ConvertRaw → Checksum → AuditImage → SmokeBoot.
/// The same tasks, cleanup and firmware-config scripts and checks as a real Ubuntu build; only the base image and
/// the steps that need unreachable repositories (03 Kubernetes, 04 NVIDIA) differ (tests/fixture/images).
/// </summary>
[TestFixture]
[Category("Pipeline")]
[NonParallelizable]
public sealed partial class FixturePipelineTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(45);
    private static string Output => RepoPaths.InRepo("output", "ci");

    private string _checksum = string.Empty;

    [OneTimeSetUp]
    public async Task BaseImage() => _checksum = (await FixtureImage.EnsureAsync()).Checksum;

    [Test]
    public async Task Both_images_build_convert_checksum_audit_and_smoke_boot_then_a_rerun_is_a_cache_hit()
    {
        var result = HostRunner.RunInRepository(FixtureImage.Arguments(_checksum, Output, "--target=SmokeBoot", "--image=all"), Limit);
        Assert.That(result.ExitCode, Is.Zero, result.StdOut);

        var gpuReady = JObject.Parse(await File.ReadAllTextAsync(Path.Combine(Output, "gpu-ready", "manifest.json")));
        var nvidia = JObject.Parse(await File.ReadAllTextAsync(Path.Combine(Output, "nvidia-firmware1", "manifest.json")));
        foreach (var (name, manifest) in new[] { ("gpu-ready", gpuReady), ("nvidia-firmware1", nvidia) })
        {
            var raw = Path.Combine(Output, name, name + ".raw");
            Assert.That(manifest.Value<string>("name"), Is.EqualTo(name));
            Assert.That(manifest["raw"]!.Value<string>("sha256"), Is.EqualTo(ImageHasher.Sha256(raw)), $"{name}: manifest SHA-256 is the raw's");
            Assert.That(manifest["raw"]!.Value<long>("virtualSize"), Is.EqualTo(3L << 30));
            Assert.That(manifest["audit"]!.Value<bool>("passed"), Is.True, manifest["audit"]!.ToString());
            Assert.That(manifest["smokeBoot"]!.Value<bool>("passed"), Is.True, manifest["smokeBoot"]!.ToString());
            Assert.That(manifest["smokeBoot"]!.Value<string>("marker"), Does.StartWith("GPU-IMAGE-SMOKE-OK"));
            var packages = manifest["packages"]!.Select(p => p.Value<string>("name")).ToList();
            Assert.That(packages, Does.Contain("containerd").And.Contain("dkms"), $"{name}: the shared steps installed real packages");
            Assert.That(manifest["tools"]!.Value<string>("packer"), Is.Not.Empty);
            foreach (var step in new[] { "ConvertRaw", "Checksum", "AuditImage", "SmokeBoot" })
            {
                Assert.That(manifest["steps"]![step], Is.Not.Null, $"{name}: step {step} recorded");
            }
        }

        Assert.That(gpuReady.Value<string?>("layeredOn"), Is.Null);
        Assert.That(nvidia.Value<string>("layeredOn"), Is.EqualTo("gpu-ready"), "nvidia-firmware1 is built on gpu-ready's qcow2");
        Assert.That(nvidia["audit"]!.Value<bool>("firmwareOptionExpected"), Is.True);
        Assert.That(gpuReady["audit"]!.Value<bool>("firmwareOptionExpected"), Is.False);

        var sums = await new CommandRunner().RunAsync("sha256sum", ["-c", "SHA256SUMS"], new CommandOptions { WorkingDirectory = Output, Timeout = TimeSpan.FromMinutes(5) });
        Assert.That(sums.ExitCode, Is.Zero, sums.StdOut + sums.StdErr);
        Assert.That(sums.StdOut, Does.Contain("gpu-ready/gpu-ready.raw: OK").And.Contain("nvidia-firmware1/nvidia-firmware1.raw: OK"));
        Assert.That(Directory.Exists(Path.Combine(Output, ".work")) ? Directory.GetFileSystemEntries(Path.Combine(Output, ".work")) : [], Is.Empty, "no scratch left behind");

        // A second run with nothing changed does no image work: every step is a cache hit.
        result = HostRunner.RunInRepository(FixtureImage.Arguments(_checksum, Output, "--target=SmokeBoot", "--image=all"), TimeSpan.FromMinutes(5));
        Assert.That(result.ExitCode, Is.Zero, result.StdOut);
        foreach (var image in new[] { "gpu-ready", "nvidia-firmware1" })
        {
            Assert.That(result.StdOut, Does.Contain($"{image}: qcow2 is up to date"));
            Assert.That(result.StdOut, Does.Contain($"{image}: raw is up to date"));
            Assert.That(result.StdOut, Does.Contain($"{image}: audit already passed"));
            Assert.That(result.StdOut, Does.Contain($"{image}: smoke boot already passed"));
        }

        Assert.That(result.StdOut, Does.Not.Contain("Starting VM").And.Not.Contain("Retrieving ISO"), "Packer did not run");
    }

    /// <summary>
    /// The rest of the graph on the images above, against real servers on 127.0.0.1: GeneratePayload, Upload to Ceph
    /// RGW, Register with the region emulator (which range-reads the boot sector and imports by downloading the
    /// whole object from RGW). Then BuildBoth runs to its end, and a second Publish sends no image bytes and no POST.
    /// </summary>
    [Test]
    [DependsOnTest(nameof(Both_images_build_convert_checksum_audit_and_smoke_boot_then_a_rerun_is_a_cache_hit))]
    public async Task Both_images_publish_to_real_S3_and_the_region_emulator_then_a_rerun_sends_nothing()
    {
        // The images of the test above (cache hits when it ran first; built here otherwise).
        var rgw = await CephRgw.Shared();
        var bucket = await rgw.CreateBucketAsync("publish");
        var org = Guid.NewGuid();
        var region = Guid.NewGuid();
        const string token = "pipeline-region-token-5Jq8Wd2Lx7";
        await using var emulator = await GpuImageBuilder.Build.Tests.Emulator.EmulatorSession.StartAsync(o => o with
        {
            Tokens = GpuImageBuilder.RegionEmulator.Access.TokenGrants.Parse([$"{token}:{org}"]),
            Regions = [region.ToString()],
        });
        var environment = new Dictionary<string, string>
        {
            ["S3_ENDPOINT"] = rgw.Endpoint.ToString(),
            ["S3_BUCKET"] = bucket,
            ["S3_REGION"] = rgw.Region,
            ["S3_FORCE_PATH_STYLE"] = "true",
            ["AWS_ACCESS_KEY_ID"] = rgw.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = rgw.SecretKey,
            ["NSCALE_REGION_URL"] = emulator.Host.BaseUrl.ToString(),
            ["NSCALE_ORG_ID"] = org.ToString(),
            ["NSCALE_REGION_ID"] = region.ToString(),
            ["NSCALE_API_TOKEN"] = token,
            ["GPU_IMAGE_POLL_INTERVAL"] = "1s",
        };
        string[] Publish(params string[] extra) => FixtureImage.Arguments(_checksum, Output, ["--target=Publish", "--image=all", .. extra]);

        var result = HostRunner.RunInRepository(Publish("--verbosity=diagnostic"), Limit, environment);
        Assert.That(result.ExitCode, Is.Zero, result.StdOut);
        foreach (var secret in new[] { rgw.SecretKey, rgw.AccessKey, token })
        {
            Assert.That(result.Output, Does.Not.Contain(secret), "no credential in the output, even at diagnostic verbosity");
        }

        var posts = emulator.Host.Requests.Entries.Count(e => e.Method == "POST");
        Assert.That(posts, Is.EqualTo(2), "one POST per image");
        foreach (var image in new[] { "gpu-ready", "nvidia-firmware1" })
        {
            var payload = JObject.Parse(await File.ReadAllTextAsync(Path.Combine(Output, image, "payload.json")));
            var name = payload["metadata"]!.Value<string>("name")!;
            Assert.That(name, Does.StartWith(image + "-"));
            Assert.That(payload["spec"]!["os"]!.Value<string>("distro"), Is.EqualTo("debian"), "the fixture's OS, from its definition");
            Assert.That(payload["spec"]!["gpu"], Is.Null, "the fixture has no driver: no gpu object");
            var stored = emulator.Host.Images.All().Single(i => i.Name == name);
            Assert.That(stored.State.ToString(), Is.EqualTo("Ready"), $"{image} reached ready");
            Assert.That(stored.SizeGiB, Is.EqualTo(3), "sizeGiB from the bytes the region downloaded (3 GiB raw)");

            // The object in S3 is the raw, byte for byte where it matters: size and the SHA-256 kept in its metadata.
            var manifest = JObject.Parse(await File.ReadAllTextAsync(Path.Combine(Output, image, "manifest.json")));
            using var s3 = rgw.Client();
            var uploaded = JObject.Parse(await File.ReadAllTextAsync(Path.Combine(Output, image, "upload.json")));
            var head = await s3.GetObjectMetadataAsync(bucket, uploaded.Value<string>("key"));
            Assert.That(head.ContentLength, Is.EqualTo(manifest["raw"]!.Value<long>("virtualSize")));
            Assert.That(head.Metadata["sha256"], Is.EqualTo(manifest["raw"]!.Value<string>("sha256")));
        }

        // BuildBoth, the README's main job, runs to its end on the same images (all cache hits, payloads rewritten).
        result = HostRunner.RunInRepository(FixtureImage.Arguments(_checksum, Output, "--target=BuildBoth"), TimeSpan.FromMinutes(10), environment);
        Assert.That(result.ExitCode, Is.Zero, result.StdOut);

        // A second Publish: nothing to upload, nothing to register.
        result = HostRunner.RunInRepository(Publish(), TimeSpan.FromMinutes(10), environment);
        Assert.That(result.ExitCode, Is.Zero, result.StdOut);
        Assert.That(result.StdOut, Does.Contain("gpu-ready: already uploaded").And.Contain("nvidia-firmware1: already uploaded"));
        Assert.That(emulator.Host.Requests.Entries.Count(e => e.Method == "POST"), Is.EqualTo(posts), "no second POST");
    }

    [Test]
    public void A_base_image_with_the_wrong_checksum_fails_clearly_and_leaves_nothing()
    {
        using var output = new TempDir("gib-badsum");
        var result = HostRunner.RunInRepository(
            FixtureImage.Arguments("sha256:" + new string('0', 64), output.Path, "--target=BuildQcow2", "--exclusive", "--image=gpu-ready"),
            TimeSpan.FromMinutes(5));
        Assert.That(result.ExitCode, Is.EqualTo(1), result.StdOut);
        Assert.That(result.StdOut, Does.Match("(?m)^Error: Packer build of gpu-ready failed.*(?i:checksum)"));
        AssertNothingHalfWritten(output.Path, "gpu-ready");
    }

    [Test]
    public void Packer_stopped_halfway_by_its_timeout_leaves_nothing_and_no_QEMU()
    {
        using var output = new TempDir("gib-timeout");
        var result = HostRunner.RunInRepository(
            FixtureImage.Arguments(_checksum, output.Path, "--target=BuildQcow2", "--exclusive", "--image=gpu-ready", "--packer-timeout=40s", "--force"),
            TimeSpan.FromMinutes(5));
        Assert.That(result.ExitCode, Is.EqualTo(1), result.StdOut);
        Assert.That(result.StdOut, Does.Contain("Error: Packer build of gpu-ready ran past --packer-timeout=0:00:40"));
        AssertNothingHalfWritten(output.Path, "gpu-ready");
    }

    [TestCase("INT", Description = "Ctrl-C in a terminal")]
    [TestCase("TERM", Description = "kill, or a CI system cancelling the job")]
    public async Task A_signal_stops_Packer_and_QEMU_and_leaves_nothing(string signal)
    {
        using var output = new TempDir("gib-sig" + signal);
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var process = HostRunner.StartInRepository(
            FixtureImage.Arguments(_checksum, output.Path, "--target=BuildQcow2", "--exclusive", "--image=gpu-ready", "--force"),
            lines.Enqueue);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!lines.Any(l => l.Contains("] Starting VM", StringComparison.Ordinal)) && DateTime.UtcNow < deadline && !process.HasExited)
        {
            await Task.Delay(500);
        }

        Assert.That(process.HasExited, Is.False, "the build ended before it could be interrupted:\n" + string.Join('\n', lines));
        await Task.Delay(TimeSpan.FromSeconds(5)); // QEMU is up by now
        var qemu = await new CommandRunner().RunAsync("pgrep", ["-f", "qemu-system.*" + output.Path]);
        Assert.That(qemu.ExitCode, Is.Zero, "QEMU of this build is running before the signal");
        await new CommandRunner().RunAsync("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.That(process.WaitForExit(TimeSpan.FromMinutes(1)), Is.True, "the build did not stop within a minute of SIG" + signal);
        process.WaitForExit(); // the timed overload can return before the redirected output is drained
        var text = string.Join('\n', lines);
        Assert.That(process.ExitCode, Is.EqualTo(130), text);
        Assert.That(text, Does.Contain($"Interrupted (SIG{signal})").And.Match("(?m)^Error: Interrupted: .*nothing half-written was kept"));
        AssertNothingHalfWritten(output.Path, "gpu-ready");
    }

    private static void AssertNothingHalfWritten(string output, string image)
    {
        var imageDir = Path.Combine(output, image);
        var artifacts = Directory.Exists(imageDir)
            ? Directory.GetFiles(imageDir).Select(Path.GetFileName).Where(f => f!.EndsWith(".qcow2", StringComparison.Ordinal) || f.Contains(".tmp", StringComparison.Ordinal) || f.EndsWith(".raw", StringComparison.Ordinal) || f.EndsWith(".stamp.json", StringComparison.Ordinal)).ToList()
            : [];
        Assert.That(artifacts, Is.Empty, "no image, temporary file or stamp");
        var work = Path.Combine(output, ".work");
        Assert.That(Directory.Exists(work) ? Directory.GetFileSystemEntries(work) : [], Is.Empty, "no scratch folder left");
        Assert.That(ProcessReaper.FindMentioning(output), Is.Empty, "no Packer or QEMU of this build still running");
    }
}
