using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Services.Upload;

namespace GpuImageBuilder.Build.Tests.Upload;

public sealed class UploadDryRunTests
{
    private const long MiB = SparseRaws.MiB;

    private static readonly ObjectLocation Location = ObjectLocation.ForImage(
        new S3Settings(new Uri("http://127.0.0.1:9000/"), "images", "gpu", "us-east-1", PathStyle: true), "gpu-ready-1.0.0");

    [Test]
    public void It_lists_the_plan_and_each_request_with_the_signature_redacted()
    {
        var plan = PartPlan.For(64 * MiB, [(0, MiB), (18 * MiB, 21 * MiB)], 8 * MiB);
        var settings = new UploadSettings(8 * MiB, 4, ObjectUrlMode.Presigned, TimeSpan.FromHours(24));

        var text = string.Join('\n', UploadDryRun.Describe(Location, "out/gpu-ready/gpu-ready.raw", plan, new string('a', 64), settings));

        Assert.That(text, Does.Contain("key gpu/gpu-ready-1.0.0.raw"));
        Assert.That(text, Does.Contain("8 parts of 8 MiB"));
        Assert.That(text, Does.Contain("2 with data sent"));
        Assert.That(text, Does.Contain("6 all-zero"));
        Assert.That(text, Does.Contain("PUT http://127.0.0.1:9000/images/gpu/gpu-ready-1.0.0.raw?partNumber={n}&uploadId={uploadId}"));
        Assert.That(text, Does.Contain("parts 1, 3"));
        Assert.That(text, Does.Contain("parts 2, 4-8"));
        Assert.That(text, Does.Contain("x-amz-copy-source: images/gpu/.zero/8388608"));
        Assert.That(text, Does.Contain("X-Amz-Signature=[REDACTED]"));
        Assert.That(text.Split('\n').Where(l => l.Contains("Authorization:")).All(l => l.Contains("Signature=[REDACTED]")), Is.True);
    }

    [Test]
    public void Without_a_raw_it_still_says_where_the_object_goes()
    {
        var settings = new UploadSettings(64 * MiB, 4, ObjectUrlMode.Public, TimeSpan.FromHours(24));

        var lines = UploadDryRun.Describe(Location, "out/x.raw", plan: null, sha256: null, settings);

        Assert.That(lines[0], Does.Contain("s3://images/gpu/gpu-ready-1.0.0.raw"));
        Assert.That(lines[1], Does.Contain("http://127.0.0.1:9000/images/gpu/gpu-ready-1.0.0.raw (public-read)"));
        Assert.That(lines[^1], Does.Contain("not built yet"));
    }

    [Test]
    public void Part_numbers_are_shown_as_ranges()
    {
        Assert.That(UploadDryRun.Ranges([1, 2, 3, 7, 9, 10]), Is.EqualTo("1-3, 7, 9-10"));
        Assert.That(UploadDryRun.Ranges([5]), Is.EqualTo("5"));
    }

    [Test]
    public void A_presigned_url_is_logged_without_its_query()
    {
        var url = new PublishedUrl(new Uri("http://127.0.0.1:9000/images/a.raw?X-Amz-Signature=abc123&X-Amz-Credential=KEY"), DateTimeOffset.UtcNow.AddHours(1));

        Assert.That(url.ForLog, Does.StartWith("http://127.0.0.1:9000/images/a.raw (presigned, expires "));
        Assert.That(url.ToString(), Does.Not.Contain("abc123").And.Not.Contain("KEY"));
    }
}
