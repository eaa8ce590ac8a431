using System.Diagnostics;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Services.Upload;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Bench;

/// <summary>
/// bench/upload.sh's two helpers:
///   upload RAW SHA256 ENDPOINT BUCKET KEY PART_SIZE_MIB PARALLELISM STATE_FILE: the build's own ImageUploader (credentials
///     from the SDK chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the environment); prints "seconds sent copied skipped zero-mode".
///   proxy TARGET RATE_MIB_S STATS_FILE: the tests' TcpProxy (0 = no limit); prints its endpoint, then rewrites
///     STATS_FILE ("bytes_up bytes_down requests") every 100 ms until killed.
/// </summary>
public static class UploadBench
{
    public static async Task<int> UploadAsync(string[] args)
    {
        if (args.Length != 8)
        {
            Console.Error.WriteLine("usage: ImageBench upload RAW SHA256 ENDPOINT BUCKET KEY PART_SIZE_MIB PARALLELISM STATE_FILE");
            return 64;
        }

        var (raw, sha, endpoint, bucket, key) = (args[0], args[1], new Uri(args[2]), args[3], args[4]);
        var settings = new UploadSettings(long.Parse(args[5]) * 1024 * 1024, int.Parse(args[6]), ObjectUrlMode.Public, TimeSpan.FromHours(24));
        var log = new ConsoleLog();
        var location = new ObjectLocation(new S3Settings(endpoint, bucket, string.Empty, Environment.GetEnvironmentVariable("S3_REGION") ?? "us-east-1", PathStyle: true), key);
        var uploader = new ImageUploader(new S3ClientFactory(), new PublishedUrls(new S3ClientFactory(), log), UploadTuning.FromEnvironment(), log);
        var watch = Stopwatch.StartNew();
        var report = await uploader.UploadAsync(new UploadRequest("bench", raw, sha, location, settings, Credentials: null, args[7], args[7] + ".upload.json"), CancellationToken.None);
        Console.WriteLine($"{watch.Elapsed.TotalSeconds:0.000} {report.Engine.Sent} {report.Engine.Copied} {report.Engine.Skipped} {report.Engine.ZeroParts.Split(' ')[0]}");
        return 0;
    }

    public static async Task<int> ProxyAsync(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: ImageBench proxy TARGET RATE_MIB_S STATS_FILE");
            return 64;
        }

        var rate = long.Parse(args[1]) * 1024 * 1024;
        await using var proxy = new TcpProxy(new Uri(args[0]), rate > 0 ? rate : null);
        Console.WriteLine(proxy.Endpoint);
        Console.Out.Flush();
        while (true)
        {
            var tmp = args[2] + ".tmp";
            await File.WriteAllTextAsync(tmp, $"{proxy.BytesUp} {proxy.BytesDown} {proxy.Requests}\n");
            File.Move(tmp, args[2], overwrite: true);
            await Task.Delay(100);
        }
    }

    private sealed class ConsoleLog : IBuildLog
    {
        public void Information(string message) => Console.Error.WriteLine(message);

        public void Verbose(string message) => Console.Error.WriteLine(message);

        public void Warning(string message) => Console.Error.WriteLine("warning: " + message);
    }
}
