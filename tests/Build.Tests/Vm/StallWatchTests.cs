using GpuImageBuilder.Build.Services.Vm;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Vm;

/// <summary>The stall watch judges a VM by its output alone: a silent serial log stalls, a growing one never does.</summary>
[TestFixture]
public sealed class StallWatchTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(1);

    [Test]
    public async Task A_serial_log_that_stops_growing_stalls_after_the_limit_with_its_last_line()
    {
        using var dir = new TempDir();
        var serial = dir.File("serial.log");
        await File.WriteAllTextAsync(serial, "tsc: Marking TSC unstable due to TSCs unsynchronized\n\u001b[0mIP idents hash table entries: 16384\n\n");
        using var watch = new StallWatch(Limit);
        watch.WatchFile(serial);
        var started = DateTime.UtcNow;
        await File.AppendAllTextAsync(serial, "one more line\n");

        await WaitFor(watch.Token, TimeSpan.FromSeconds(5));
        Assert.That(watch.Stalled, Is.True);
        Assert.That(DateTime.UtcNow - started, Is.GreaterThanOrEqualTo(Limit).And.LessThan(TimeSpan.FromSeconds(3)));
        Assert.That(watch.LastLine, Is.EqualTo("one more line"));
    }

    [Test]
    public async Task A_serial_log_that_keeps_growing_never_stalls()
    {
        using var dir = new TempDir();
        var serial = dir.File("serial.log");
        using var watch = new StallWatch(Limit);
        watch.WatchFile(serial);
        for (var i = 0; i < 15; i++)
        {
            await File.AppendAllTextAsync(serial, $"line {i}\n");
            await Task.Delay(200);
        }

        Assert.That(watch.Stalled, Is.False, "3 s of output every 0.2 s against a 1 s limit");
        Assert.That(watch.LastLine, Is.EqualTo("line 14"));
    }

    [Test]
    public async Task Tool_output_counts_as_progress_and_a_disarmed_watch_waits()
    {
        using var watch = new StallWatch(Limit, armed: false);
        await Task.Delay(2000);
        Assert.That(watch.Stalled, Is.False, "disarmed (no VM yet): silence is not a stall");

        watch.Arm(true);
        for (var i = 0; i < 10; i++)
        {
            watch.Activity($"==> qemu.gpu-image: step {i}");
            await Task.Delay(200);
        }

        Assert.That(watch.Stalled, Is.False);
        await WaitFor(watch.Token, TimeSpan.FromSeconds(5));
        Assert.That(watch.LastLine, Is.EqualTo("==> qemu.gpu-image: step 9"), "no serial log: the tool's last line");
    }

    private static async Task WaitFor(CancellationToken token, TimeSpan limit)
    {
        try
        {
            await Task.Delay(limit, token);
            Assert.Fail($"no stall within {limit}");
        }
        catch (TaskCanceledException)
        {
        }
    }
}
