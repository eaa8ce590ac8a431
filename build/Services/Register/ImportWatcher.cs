using System.Diagnostics;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Region;

namespace GpuImageBuilder.Build.Services.Register;

/// <summary>
/// Waits for the region's import of one image: reads the owned list every poll interval, prints a line per state
/// change and the elapsed time now and then, until <c>ready</c>, <c>failed</c> or the timeout. An image not yet in
/// the list (the region's list cache) is pending.
/// </summary>
public sealed class ImportWatcher(RegionClient client, RegisterSettings wait, IBuildLog log)
{
    /// <summary>How often "still creating" is said when nothing changes.</summary>
    public static readonly TimeSpan ElapsedEvery = TimeSpan.FromMinutes(1);

    public async Task<RegionImage> WaitAsync(string image, string name, string id, Uri source, CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        var lastSaid = TimeSpan.Zero;
        string? state = null;
        while (true)
        {
            var found = (await client.ListImagesAsync(ImageScope.Owned, cancellation)).FirstOrDefault(i => i.Id == id);
            var now = found?.State ?? ImageStates.Pending;
            if (now != state)
            {
                state = now;
                lastSaid = watch.Elapsed;
                log.Information($"{image}: {name} ({id}) is {state}{(found is null ? " (not listed yet)" : string.Empty)} after {Elapsed(watch.Elapsed)}");
            }
            else if (watch.Elapsed - lastSaid >= ElapsedEvery)
            {
                lastSaid = watch.Elapsed;
                log.Information($"{image}: {name} still {state} after {Elapsed(watch.Elapsed)} (at most {Elapsed(wait.Timeout)})");
            }

            if (found is { State: ImageStates.Ready })
            {
                log.Information($"{image}: {name} is ready in the region: id {id}, {found.Spec.SizeGiB} GiB, after {Elapsed(watch.Elapsed)}");
                return found;
            }

            if (found is { State: ImageStates.Failed })
            {
                throw new RegisterException(
                    $"{image}: the region could not import {name} ({id}): it reports 'failed' (its API gives no reason); this happens when it cannot download the whole object from {source.GetLeftPart(UriPartial.Path)}: check the object is there and readable (a presigned URL expires: --{Arg.S3PresignExpiry}), then run again with --{Arg.Replace}");
            }

            if (watch.Elapsed >= wait.Timeout)
            {
                throw new RegisterException(
                    $"{image}: {name} ({id}) is still {state} after {Elapsed(wait.Timeout)}, the --{Arg.RegisterTimeout} ({Env.RegisterTimeout}): the region may still finish; run Register again later (it waits for the same image) or raise --{Arg.RegisterTimeout}");
            }

            var left = wait.Timeout - watch.Elapsed;
            await Task.Delay(left < wait.PollInterval ? left : wait.PollInterval, cancellation);
        }
    }

    private static string Elapsed(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{t.TotalSeconds:0.0}s";
}
