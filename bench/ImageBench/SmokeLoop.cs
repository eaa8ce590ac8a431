using System.Diagnostics;
using System.Globalization;
using GpuImageBuilder.Build.Services;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Qemu;
using GpuImageBuilder.Build.Services.Vm;

namespace GpuImageBuilder.Bench;

/// <summary>
/// Boots one raw image again and again with the build's own <see cref="SmokeBoot"/>, and prints one line per boot:
/// <c>boot N ok|stalled|failed|recovered seconds max-serial-gap-seconds last-serial-line</c>. With --retry each boot
/// goes through <see cref="VmStallRetry"/> as the build's SmokeBoot step does, so a stall shows as "recovered" (caught
/// and retried) or "stalled" (twice); without it a stall ends the boot, as it would without the retry.
/// </summary>
public static class SmokeLoop
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 6)
        {
            Console.Error.WriteLine("usage: ImageBench smoke <raw> <smoke-user-data> <work-dir> <count> <cpus> <stall-seconds> [parallel] [--retry]");
            return 64;
        }

        var raw = args[0];
        var userData = args[1];
        var workRoot = args[2];
        var count = int.Parse(args[3], CultureInfo.InvariantCulture);
        var cpus = int.Parse(args[4], CultureInfo.InvariantCulture);
        var stall = TimeSpan.FromSeconds(int.Parse(args[5], CultureInfo.InvariantCulture));
        var parallel = args.Length > 6 && int.TryParse(args[6], out var p) ? p : 1;
        var retry = args.Contains("--retry");
        var next = 0;
        var output = new object();

        async Task Worker()
        {
            while (Interlocked.Increment(ref next) is var n && n <= count)
            {
                var line = await BootAsync(n, raw, userData, Path.Combine(workRoot, $"boot-{n}"), cpus, stall, retry);
                lock (output)
                {
                    Console.WriteLine(line);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Worker()));
        return 0;
    }

    private static async Task<string> BootAsync(int n, string raw, string userData, string work, int cpus, TimeSpan stall, bool retry)
    {
        var log = new QuietLog();
        var smoke = new SmokeBoot(new CommandRunner(), log) { Cpus = cpus, StallTimeout = stall };
        var watch = Stopwatch.StartNew();
        var maxGap = 0.0;
        var lastSerial = "(none)";
        async Task<SmokeResult> Attempt(int attempt)
        {
            var dir = $"{work}-{attempt}";
            using var gaps = new GapMeter(Path.Combine(dir, "serial.log"));
            try
            {
                return await smoke.RunAsync(raw, userData, dir, "tcg", AcceleratorProbe.DefaultFirmware, TimeSpan.FromMinutes(15), CancellationToken.None);
            }
            finally
            {
                maxGap = Math.Max(maxGap, gaps.MaxGapSeconds);
                lastSerial = SerialConsole.LastLine(Path.Combine(dir, "serial.log"), 100) ?? "(none)";
                Directory.Delete(dir, recursive: true);
            }
        }

        string outcome;
        try
        {
            var result = retry ? await new VmStallRetry(log).RunAsync("bench", "overlay", Attempt) : await Attempt(1);
            outcome = !result.Passed ? "failed" : log.Warnings > 0 ? "recovered" : "ok";
        }
        catch (Exception ex) when (ex is VmStalledException or VmStallFailedException)
        {
            outcome = "stalled";
        }

        return string.Create(CultureInfo.InvariantCulture, $"boot {n} {outcome} {watch.Elapsed.TotalSeconds:0} {maxGap:0.0} {lastSerial}");
    }

    /// <summary>The longest time the serial log did not grow while the guest ran (a healthy boot's quietest stretch).</summary>
    private sealed class GapMeter : IDisposable
    {
        private readonly Timer _timer;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _length = -1;
        private double _since;

        public GapMeter(string serial) => _timer = new Timer(_ => Tick(serial), null, 250, 250);

        public double MaxGapSeconds { get; private set; }

        private void Tick(string serial)
        {
            var length = File.Exists(serial) ? new FileInfo(serial).Length : -1;
            var now = _clock.Elapsed.TotalSeconds;
            if (length != _length)
            {
                _length = length;
                _since = now;
            }

            MaxGapSeconds = Math.Max(MaxGapSeconds, now - _since);
        }

        public void Dispose() => _timer.Dispose();
    }

    private sealed class QuietLog : IBuildLog
    {
        public int Warnings { get; private set; }

        public void Information(string message)
        {
        }

        public void Verbose(string message)
        {
        }

        public void Warning(string message) => Warnings++;
    }
}
