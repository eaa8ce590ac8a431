using Amazon.S3.Model;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Services.Upload;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Upload;

/// <summary>
/// Upload against a real Ceph RGW on 127.0.0.1, through a byte-counting TCP proxy: what crosses the wire is
/// measured, not taken from the engine's word. 64 MiB sparse raws, 8 MiB parts.
/// </summary>
[Category("S3")]
[NonParallelizable]
public sealed class UploadTests
{
    private const long MiB = SparseRaws.MiB;

    /// <summary>HTTP headers and XML of a few dozen requests: well under this.</summary>
    private const long Overhead = 256 * 1024;

    private static readonly UploadTuning FastRetries = UploadTuning.Default with { RetryDelay = TimeSpan.FromMilliseconds(20), MaxAttempts = 2 };

    private CephRgw _rgw = null!;
    private TempDir _dir = null!;
    private ListLog _log = null!;
    private string _raw = null!;
    private string _sha = null!;

    [SetUp]
    public async Task SetUp()
    {
        _rgw = await CephRgw.Shared();
        _dir = new TempDir("upload");
        _log = new ListLog();
        _raw = SparseRaws.Create(_dir.File("disk.raw"));
        _sha = SparseRaws.Sha256(_raw);
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private async Task<(TcpProxy Proxy, ObjectLocation Location)> TargetAsync(long? rate = null, long? dropAfter = null, string? bucket = null)
    {
        bucket ??= await _rgw.CreateBucketAsync("upload");
        var proxy = new TcpProxy(_rgw.Endpoint, rate, dropAfter);
        var s3 = new S3Settings(proxy.Endpoint, bucket, "images", _rgw.Region, PathStyle: true);
        return (proxy, ObjectLocation.ForImage(s3, "gpu-ready-1.0.0"));
    }

    private ImageUploader Uploader(UploadTuning tuning) =>
        new(new S3ClientFactory(), new PublishedUrls(new S3ClientFactory(), _log), tuning, _log);

    private UploadRequest Request(ObjectLocation location, ObjectUrlMode mode = ObjectUrlMode.Public, S3Credentials? credentials = null, int parallelism = 2) =>
        new("gpu-ready", _raw, _sha, location, new UploadSettings(SparseRaws.PartSize, parallelism, mode, TimeSpan.FromHours(24)),
            credentials ?? new S3Credentials(_rgw.AccessKey, _rgw.SecretKey), _dir.File(".upload-state.json"), _dir.File("upload.json"));

    private async Task<string> DownloadSha256Async(ObjectLocation location)
    {
        using var client = _rgw.Client();
        using var response = await client.GetObjectAsync(location.Bucket, location.Key);
        using var sha = System.Security.Cryptography.SHA256.Create();
        await using var body = response.ResponseStream;
        return Convert.ToHexStringLower(await sha.ComputeHashAsync(body));
    }

    [Test]
    public async Task Zero_parts_are_copied_server_side_the_object_matches_and_a_second_run_sends_nothing()
    {
        var (proxy, location) = await TargetAsync();
        await using var _ = proxy;
        var uploader = Uploader(FastRetries with { ZeroParts = ZeroPartMode.Copy });

        var report = await uploader.UploadAsync(Request(location), CancellationToken.None);

        // Sent: the three data parts and, once, the 8 MiB zero object; the other five parts were made by the server.
        Assert.That(report.Engine.Outcome, Is.EqualTo(UploadOutcome.Uploaded));
        Assert.That(report.Engine.Sent, Is.EqualTo(SparseRaws.DataPartBytes + SparseRaws.PartSize));
        Assert.That(report.Engine.Copied, Is.EqualTo(5 * SparseRaws.PartSize));
        Assert.That(proxy.BytesUp, Is.InRange(report.Engine.Sent, report.Engine.Sent + Overhead));
        Assert.That(await DownloadSha256Async(location), Is.EqualTo(_sha));
        var record = UploadedObjectFile.Read(_dir.File("upload.json"))!;
        Assert.That(record, Is.EqualTo(report.Object));
        Assert.That((record.Size, record.Sha256, record.BootSectorVerified, record.Url), Is.EqualTo((64 * MiB, _sha, true, location.Url)));
        Assert.That(File.Exists(_dir.File(".upload-state.json")), Is.False, "the resume record is removed after success");

        proxy.ResetCounters();
        var again = await uploader.UploadAsync(Request(location), CancellationToken.None);

        Assert.That(again.Engine.Outcome, Is.EqualTo(UploadOutcome.AlreadyThere));
        Assert.That(proxy.BytesUp, Is.LessThan(Overhead));
        Assert.That(_log.Lines, Has.Some.Contains("already uploaded"));
    }

    [Test]
    public async Task A_connection_dropped_mid_upload_resumes_sending_only_the_missing_parts()
    {
        // Every part is sent here (no copies), one at a time, so the bytes on the wire say exactly what was resent.
        var (proxy, location) = await TargetAsync(dropAfter: 28 * MiB);
        await using var _ = proxy;
        var uploader = Uploader(FastRetries with { ZeroParts = ZeroPartMode.Send });

        var failure = await Assert.ThrowsAsync<UploadException>(() => uploader.UploadAsync(Request(location, parallelism: 1), CancellationToken.None));

        Assert.That(failure!.Message, Does.Contain("run Upload again to resume").Or.Contain("connection"));
        Assert.That(failure.Message, Does.Not.Contain("Interrupted"));
        Assert.That(File.Exists(_dir.File(".upload-state.json")), Is.True, "the resume record is kept");
        var sentBefore = uploader.Counters.Sent;
        Assert.That(sentBefore, Is.InRange(2 * SparseRaws.PartSize, 3 * SparseRaws.PartSize));

        proxy.Heal();
        proxy.ResetCounters();
        var resumed = await uploader.UploadAsync(Request(location, parallelism: 1), CancellationToken.None);

        Assert.That(resumed.Engine.Outcome, Is.EqualTo(UploadOutcome.Resumed));
        Assert.That(resumed.Engine.Skipped, Is.EqualTo(sentBefore));
        Assert.That(proxy.BytesUp, Is.InRange(64 * MiB - sentBefore, 64 * MiB - sentBefore + Overhead));
        Assert.That(await DownloadSha256Async(location), Is.EqualTo(_sha));
        using var client = _rgw.Client();
        var open = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = location.Bucket, Prefix = location.Key });
        Assert.That(open.MultipartUploads ?? [], Is.Empty, "no multipart upload is left behind");
    }

    [Test]
    public async Task On_a_slow_link_auto_mode_measures_and_copies_zero_parts()
    {
        var (proxy, location) = await TargetAsync(rate: 24 * MiB);
        await using var _ = proxy;

        var report = await Uploader(FastRetries).UploadAsync(Request(location), CancellationToken.None);

        Assert.That(report.Engine.ZeroParts, Is.EqualTo("copied server-side"));
        Assert.That(report.Engine.Copied, Is.EqualTo(5 * SparseRaws.PartSize));
        Assert.That(proxy.BytesUp, Is.LessThan(SparseRaws.DataPartBytes + SparseRaws.PartSize + Overhead));
        Assert.That(await DownloadSha256Async(location), Is.EqualTo(_sha));
    }

    [Test]
    public async Task A_presigned_url_works_and_its_query_never_reaches_the_log()
    {
        var (proxy, location) = await TargetAsync();
        await using var _ = proxy;
        var uploader = Uploader(FastRetries);

        var report = await uploader.UploadAsync(Request(location, ObjectUrlMode.Presigned), CancellationToken.None);

        Assert.That(report.Object.BootSectorVerified, Is.True);
        Assert.That(_log.ToString(), Does.Contain("(presigned, expires "));
        Assert.That(_log.ToString(), Does.Not.Contain("X-Amz-Signature").And.Not.Contain("X-Amz-Credential").And.Not.Contain(_rgw.AccessKey));
        Assert.That(File.ReadAllText(_dir.File("upload.json")), Does.Not.Contain("X-Amz"));

        // The object is private: anonymous GET of the plain URL is refused, the presigned one answers.
        using var http = new HttpClient();
        Assert.That((int)(await http.GetAsync(location.Url)).StatusCode, Is.EqualTo(403));
        var presigned = new PublishedUrls(new S3ClientFactory(), _log).For(location, Request(location).Settings with { UrlMode = ObjectUrlMode.Presigned }, new S3Credentials(_rgw.AccessKey, _rgw.SecretKey));
        Assert.That(presigned.Presigned, Is.True);
        using var get = new HttpRequestMessage(HttpMethod.Get, presigned.Url);
        get.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 511);
        using var answer = await http.SendAsync(get);
        var bytes = await answer.Content.ReadAsByteArrayAsync();
        Assert.That(((int)answer.StatusCode, bytes.Length, bytes[510], bytes[511]), Is.EqualTo((206, 512, (byte)0x55, (byte)0xAA)));
    }

    [Test]
    public async Task Public_mode_makes_the_object_readable_anonymously()
    {
        var (proxy, location) = await TargetAsync();
        await using var _ = proxy;

        await Uploader(FastRetries).UploadAsync(Request(location), CancellationToken.None);

        using var http = new HttpClient();
        using var get = new HttpRequestMessage(HttpMethod.Get, location.Url);
        get.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(510, 511);
        using var answer = await http.SendAsync(get);
        Assert.That(((int)answer.StatusCode, await answer.Content.ReadAsByteArrayAsync()), Is.EqualTo((206, new byte[] { 0x55, 0xAA })));
    }

    [Test]
    public async Task A_wrong_secret_key_is_one_line_without_a_retry_storm_or_the_secret()
    {
        var (proxy, location) = await TargetAsync();
        await using var _ = proxy;
        var wrong = new S3Credentials(_rgw.AccessKey, "wrong-secret-" + Guid.NewGuid().ToString("N"));

        var failure = await Assert.ThrowsAsync<UploadException>(() => Uploader(UploadTuning.Default).UploadAsync(Request(location, credentials: wrong), CancellationToken.None));

        Assert.That(failure!.Message, Does.Contain("--s3-secret-key"));
        Assert.That(failure.Message, Does.Not.Contain(wrong.SecretKey).And.Not.Contain(_rgw.SecretKey).And.Not.Contain(_rgw.AccessKey));
        Assert.That(proxy.Requests, Is.LessThanOrEqualTo(2), "a 403 is not retried");
    }

    [Test]
    public async Task An_unknown_access_key_names_the_access_key_parameter()
    {
        var (proxy, location) = await TargetAsync();
        await using var _ = proxy;

        var failure = await Assert.ThrowsAsync<UploadException>(() => Uploader(UploadTuning.Default).UploadAsync(Request(location, credentials: new S3Credentials("NOSUCHKEY0000000000", "x")), CancellationToken.None));

        Assert.That(failure!.Message, Does.Contain("--s3-access-key"));
        Assert.That(failure.Message, Does.Not.Contain("NOSUCHKEY"));
        Assert.That(proxy.Requests, Is.LessThanOrEqualTo(2));
    }

    [Test]
    public async Task A_missing_bucket_is_one_line_naming_the_bucket_parameter()
    {
        var (proxy, location) = await TargetAsync(bucket: "no-such-bucket-" + Guid.NewGuid().ToString("N")[..8]);
        await using var _ = proxy;

        var failure = await Assert.ThrowsAsync<UploadException>(() => Uploader(UploadTuning.Default).UploadAsync(Request(location), CancellationToken.None));

        Assert.That(failure!.Message, Does.Contain("does not exist").And.Contain("--s3-bucket"));
        Assert.That(proxy.Requests, Is.LessThanOrEqualTo(4), "HEAD and the create: no retries on 404");
        Assert.That(File.Exists(_dir.File(".upload-state.json")), Is.False);
    }

    [Test]
    public async Task An_unreachable_endpoint_names_the_endpoint_parameter()
    {
        var port = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        port.Start();
        var closed = ((System.Net.IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        var location = ObjectLocation.ForImage(new S3Settings(new Uri($"http://127.0.0.1:{closed}/"), "b", "", _rgw.Region, true), "x-1.0.0");

        var failure = await Assert.ThrowsAsync<UploadException>(() => Uploader(FastRetries).UploadAsync(Request(location), CancellationToken.None));

        Assert.That(failure!.Message, Does.Contain("connection refused").And.Contain("--s3-endpoint"));
    }
}
