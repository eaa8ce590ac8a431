using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Upload;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Upload;

/// <summary>
/// `--target=Upload` through the real build host (HostRunner), at --verbosity=diagnostic: the dry run needs no server
/// and no credential; a real upload to RGW writes upload.json and is not repeated; a wrong secret is one line; no
/// key, secret or signature ever reaches the output.
/// </summary>
[Category("S3")]
[NonParallelizable]
public sealed class UploadHostTests
{
    private const string Image = "gpu-ready";
    private const string Version = "1.0.0";

    private static string[] Common(params string[] more) =>
        ["--target=Upload", "--exclusive", $"--image={Image}", $"--{Arg.ImageVersion}={Version}", "--verbosity=diagnostic", $"--{Arg.UploadPartSize}=8M", .. more];

    /// <summary>A checksummed raw in the sandbox's output folder, as Checksum leaves it (stamp and manifest).</summary>
    private static string PlaceRaw(HostRunner host)
    {
        var dir = host.PathOf("output", Image);
        Directory.CreateDirectory(dir);
        var raw = SparseRaws.Create(Path.Combine(dir, $"{Image}.raw"));
        var sha = SparseRaws.Sha256(raw);
        ArtifactStamp.For(raw, "inputs", sha, TimeSpan.Zero).Write(raw);
        ImageManifest.Update(Path.Combine(dir, "manifest.json"), m => m with { Raw = new RawSection(Path.GetFileName(raw), 64 * SparseRaws.MiB, 7 * SparseRaws.MiB, sha) });
        return sha;
    }

    [Test]
    public void A_dry_run_prints_the_plan_and_requests_and_needs_no_server()
    {
        using var host = new HostRunner();
        PlaceRaw(host);

        var result = host.Run(Common([.. ValidInputs.S3(withKeys: true), "--dry-run"]));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain("requests (none sent)"));
        Assert.That(result.Output, Does.Contain($"key gpu-images/{Image}-{Version}.raw"));
        Assert.That(result.Output, Does.Contain("8 parts of 8 MiB"));
        Assert.That(result.Output, Does.Contain("Signature=[REDACTED]"));
        Assert.That(result.Output, Does.Not.Contain(ValidInputs.SecretKey).And.Not.Contain(ValidInputs.AccessKey));
        Assert.That(File.Exists(host.PathOf("output", Image, "upload.json")), Is.False);
    }

    [Test]
    public void A_dry_run_without_keys_or_a_raw_still_exits_zero()
    {
        using var host = new HostRunner();

        var result = host.Run(Common([.. ValidInputs.S3(withKeys: false), "--dry-run"]));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain("not built yet"));
    }

    [Test]
    public async Task A_real_upload_writes_upload_json_the_rerun_sends_nothing_and_no_secret_is_printed()
    {
        var rgw = await CephRgw.Shared();
        var bucket = await rgw.CreateBucketAsync("host");
        using var host = new HostRunner();
        var sha = PlaceRaw(host);
        string[] s3 = [$"--{Arg.S3Endpoint}={rgw.Endpoint}", $"--{Arg.S3Bucket}={bucket}", $"--{Arg.S3Region}={rgw.Region}", $"--{Arg.S3PathStyle}=true", $"--{Arg.S3UrlMode}=presigned"];
        host.Environment["AWS_ACCESS_KEY_ID"] = rgw.AccessKey;
        host.Environment["AWS_SECRET_ACCESS_KEY"] = rgw.SecretKey;

        var first = host.Run(Common(s3));
        var second = host.Run(Common(s3));

        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        var record = UploadedObjectFile.Read(host.PathOf("output", Image, "upload.json"))!;
        Assert.That((record.Bucket, record.Key, record.Sha256, record.Size, record.BootSectorVerified), Is.EqualTo((bucket, $"gpu-images/{Image}-{Version}.raw", sha, 64 * SparseRaws.MiB, true)));
        Assert.That(first.Output, Does.Contain("uploaded: sent"));
        Assert.That(second.ExitCode, Is.Zero, second.ToString());
        Assert.That(second.Output, Does.Contain("already uploaded"));
        foreach (var output in new[] { first.Output, second.Output, File.ReadAllText(host.PathOf("output", Image, "upload.json")) })
        {
            Assert.That(output, Does.Not.Contain(rgw.SecretKey).And.Not.Contain(rgw.AccessKey).And.Not.Contain("X-Amz-Signature"));
        }
    }

    [Test]
    public async Task A_wrong_secret_through_the_host_is_one_line_naming_the_parameter()
    {
        var rgw = await CephRgw.Shared();
        var bucket = await rgw.CreateBucketAsync("host");
        using var host = new HostRunner();
        PlaceRaw(host);
        var wrong = "wrong-secret-" + Guid.NewGuid().ToString("N");

        var result = host.Run(Common($"--{Arg.S3Endpoint}={rgw.Endpoint}", $"--{Arg.S3Bucket}={bucket}", $"--{Arg.S3Region}={rgw.Region}", $"--{Arg.S3PathStyle}=true",
            $"--{Arg.S3AccessKey}={rgw.AccessKey}", $"--{Arg.S3SecretKey}={wrong}"));

        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain("--s3-secret-key"));
        Assert.That(result.Output, Does.Not.Contain(wrong).And.Not.Contain(rgw.AccessKey).And.Not.Contain(rgw.SecretKey));
    }
}
