using System.Diagnostics;
using Spectre.Console;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>
/// What an upload has done so far, counted by the engine as it goes (thread-safe): bytes sent over the wire, bytes
/// made server-side (copied zero parts), bytes skipped (already on the server). Tests and the final line read these.
/// </summary>
public sealed class UploadCounters
{
    private long _sent;
    private long _copied;
    private long _skipped;
    private int _requests;

    public long Sent => Interlocked.Read(ref _sent);

    public long Copied => Interlocked.Read(ref _copied);

    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>S3 requests the engine made (each retry counts).</summary>
    public int Requests => Volatile.Read(ref _requests);

    public long Done => Sent + Copied + Skipped;

    public void AddSent(long bytes) => Interlocked.Add(ref _sent, bytes);

    public void AddCopied(long bytes) => Interlocked.Add(ref _copied, bytes);

    public void AddSkipped(long bytes) => Interlocked.Add(ref _skipped, bytes);

    public void AddRequest() => Interlocked.Increment(ref _requests);
}

/// <summary>
/// Live progress of one upload: a Spectre.Console bar on a terminal, otherwise a line through the build log every
/// <see cref="LineInterval"/> (CI logs) and one at the end. Rate and ETA are from bytes sent (what the link carries).
/// </summary>
public sealed class UploadProgress(IBuildLog log)
{
    public static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(10);

    public async Task RunAsync(string label, long total, UploadCounters counters, Func<Task> work)
    {
        var watch = Stopwatch.StartNew();
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var bar = ctx.AddTask(label, maxValue: Math.Max(total, 1));
                    var running = work();
                    while (!running.IsCompleted)
                    {
                        bar.Value = counters.Done;
                        await Task.WhenAny(running, Task.Delay(250));
                    }

                    bar.Value = counters.Done;
                    await running;
                });
            return;
        }

        var task = work();
        while (!task.IsCompleted)
        {
            if (await Task.WhenAny(task, Task.Delay(LineInterval)) != task)
            {
                log.Information($"{label}: {Line(total, counters, watch.Elapsed)}");
            }
        }

        await task;
    }

    /// <summary>"1.2 of 8.0 GiB (15 %), sent 300 MiB at 95 MiB/s, ETA 0:42".</summary>
    public static string Line(long total, UploadCounters counters, TimeSpan elapsed)
    {
        var rate = counters.Sent / Math.Max(elapsed.TotalSeconds, 0.001);
        var doneRate = counters.Done / Math.Max(elapsed.TotalSeconds, 0.001);
        var eta = doneRate > 0 ? TimeSpan.FromSeconds((total - counters.Done) / doneRate) : TimeSpan.Zero;
        return $"{Gib(counters.Done)} of {Gib(total)} ({100.0 * counters.Done / Math.Max(total, 1):0} %), sent {Mib(counters.Sent)} at {rate / 1048576:0} MiB/s, ETA {eta:h\\:mm\\:ss}";
    }

    public static string Mib(long bytes) => $"{bytes / 1048576.0:0.#} MiB";

    public static string Gib(long bytes) => $"{bytes / 1073741824.0:0.00} GiB";
}
