using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Tests.Infrastructure;

/// <summary>
/// A real S3 server on 127.0.0.1: Ceph's RADOS Gateway on a one-node cluster, started by tools/servers/ceph-rgw.sh in
/// a temporary folder (~20 s). <see cref="Shared"/> gives one cluster to the whole test run; it is stopped by
/// <see cref="CephRgwRun"/> when the run ends, and by the script's watcher (<c>--parent-pid</c>) if the test process
/// is killed first. Missing Ceph packages fail the test with the command that installs them; nothing is skipped.
/// </summary>
public sealed class CephRgw : IAsyncDisposable
{
    public static readonly string Script = RepoPaths.InRepo("tools", "servers", "ceph-rgw.sh");

    private static readonly Lazy<Task<CephRgw>> SharedCluster = new(() => StartAsync(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _dir;
    private int _disposed;

    private CephRgw(string dir, Uri endpoint, string region, string accessKey, string secretKey)
    {
        _dir = dir;
        Endpoint = endpoint;
        Region = region;
        AccessKey = accessKey;
        SecretKey = secretKey;
    }

    public Uri Endpoint { get; }

    public string Region { get; }

    public string AccessKey { get; }

    public string SecretKey { get; }

    /// <summary>The run's one cluster, started on first use.</summary>
    public static Task<CephRgw> Shared() => SharedCluster.Value;

    /// <summary>Stops the shared cluster if this run started one.</summary>
    public static async Task StopSharedAsync()
    {
        if (SharedCluster.IsValueCreated && SharedCluster.Value.IsCompletedSuccessfully)
        {
            await SharedCluster.Value.Result.DisposeAsync();
        }
    }

    /// <summary>A cluster of its own (in a fresh temporary folder), for a test that must not share one.</summary>
    public static async Task<CephRgw> StartAsync()
    {
        var missing = new[] { "radosgw", "radosgw-admin", "ceph-mon", "ceph-osd", "ceph" }.Where(t => CommandRunner.Which(t) is null).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"Ceph RGW is not installed (missing {string.Join(", ", missing)}): run tools/install-prerequisites.sh, which installs radosgw ceph-mon ceph-osd ceph-common.");
        }

        var dir = Path.Combine(Path.GetTempPath(), $"gib-rgw-{Guid.NewGuid():N}"[..20]);
        var result = await new CommandRunner().RunAsync("bash", [Script, "start", dir, "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            new CommandOptions { Timeout = TimeSpan.FromMinutes(3) });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"tools/servers/ceph-rgw.sh start {dir} failed (exit {result.ExitCode}):\n{result.StdOut}\n{result.StdErr}");
        }

        TestProgressAttribute.Line($"Ceph RGW: {result.OutputLines.FirstOrDefault()}");
        var env = File.ReadAllLines(Path.Combine(dir, "s3.env"))
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return new CephRgw(dir, new Uri(env["S3_ENDPOINT"]), env["S3_REGION"], env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]);
    }

    /// <summary>A client with the settings RGW needs; other credentials for the tests that want them refused.</summary>
    public AmazonS3Client Client(string? accessKey = null, string? secretKey = null) =>
        new(new BasicAWSCredentials(accessKey ?? AccessKey, secretKey ?? SecretKey), Config());

    /// <summary>
    /// The SDK's defaults fail against RGW: its flexible checksums (on by default since 3.7.400) are answered with
    /// 400 XAmzContentSHA256Mismatch, and virtual-host addressing needs DNS names for buckets.
    /// </summary>
    public AmazonS3Config Config() => new()
    {
        ServiceURL = Endpoint.ToString(),
        ForcePathStyle = true,
        AuthenticationRegion = Region,
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        MaxErrorRetry = 0,
    };

    /// <summary>Creates a bucket whose name starts with <paramref name="prefix"/> and is unique; returns its name.</summary>
    public async Task<string> CreateBucketAsync(string prefix)
    {
        var name = $"{prefix.ToLowerInvariant()}-{Guid.NewGuid():N}";
        name = name[..Math.Min(name.Length, 63)];
        using var client = Client();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        var result = await new CommandRunner().RunAsync("bash", [Script, "stop", _dir, "--purge"], new CommandOptions { Timeout = TimeSpan.FromMinutes(1) });
        if (!result.Succeeded)
        {
            TestProgressAttribute.Line($"Ceph RGW: stop {_dir} failed (exit {result.ExitCode}): {result.StdErr.Trim()}");
        }
    }
}
