using GpuImageBuilder.Build.Services;

namespace GpuImageBuilder.Build.Services.Vm;

/// <summary>One attempt of a VM step was stopped because the VM made no progress for the stall time.</summary>
public sealed class VmStalledException(string step, TimeSpan limit, TimeSpan at, string lastLine)
    : Exception($"{step} stalled: no serial or progress output for {Describe(limit)} (stopped at {at:mm\\:ss}; last line: {lastLine})")
{
    public string Step { get; } = step;

    public string LastLine { get; } = lastLine;

    public static VmStalledException From(string step, StallWatch watch) => new(step, watch.Limit, watch.StalledAt, watch.LastLine);

    public static string Describe(TimeSpan t) => t.TotalMinutes >= 1 && t.Seconds == 0 ? $"{t.TotalMinutes:0}m" : $"{t.TotalSeconds:0}s";
}

/// <summary>Both attempts of a VM step stalled.</summary>
public sealed class VmStallFailedException(string image, VmStalledException first, VmStalledException second)
    : Exception($"{image}: {first.Step} stalled twice, so the step failed. Attempt 1: {Reason(first)}. Attempt 2: {Reason(second)}. Nothing was kept. If the guest is only slow (a loaded machine), raise --stall-timeout (GPU_IMAGE_STALL_TIMEOUT)")
{
    public VmStalledException First { get; } = first;

    public VmStalledException Second { get; } = second;

    private static string Reason(VmStalledException e) => e.Message[(e.Step.Length + " stalled: ".Length)..];
}

/// <summary>
/// Runs a VM step, and once more if its first attempt stalls: a stall under TCG is a matter of chance (the same boot
/// passes when run again), so one retry on fresh scratch turns a rare hang into a slower success, while a guest that
/// stalls twice is reported with both attempts. Each attempt must make its own scratch folder or overlay and leave
/// nothing behind; <paramref name="attempt"/> gets the attempt number (1 or 2).
/// </summary>
public sealed class VmStallRetry(IBuildLog log)
{
    public async Task<T> RunAsync<T>(string image, string fresh, Func<int, Task<T>> attempt)
    {
        VmStalledException first;
        try
        {
            return await attempt(1);
        }
        catch (VmStalledException stalled)
        {
            first = stalled;
        }

        log.Warning($"{image}: {first.Message}; retrying once on a fresh {fresh}");
        try
        {
            var result = await attempt(2);
            log.Information($"{image}: {first.Step} succeeded on the retry after a stall");
            return result;
        }
        catch (VmStalledException second)
        {
            throw new VmStallFailedException(image, first, second);
        }
    }
}
