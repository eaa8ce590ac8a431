using GpuImageBuilder.RegionEmulator.Images;

namespace GpuImageBuilder.RegionEmulator.Import;

/// <summary>How long the phases of an import take at least, so tests can watch each state and stay fast.</summary>
public sealed record ImportTiming(TimeSpan Pending, TimeSpan MinimumCreating);

/// <summary>
/// Glance's web-download import, as the region starts it after creating the image: in the background, download the
/// whole object from the URL (pending while queued, creating while it downloads), then ready with sizeGiB = the
/// object's size rounded up to a GiB, or failed when the download fails or comes up short.
/// </summary>
public sealed class ImageImporter(ImageStore images, HttpClient http, ImportTiming timing, TimeProvider clock, ILogger<ImageImporter> log)
{
    private const long GiB = 1L << 30;

    public void Start(Guid imageId, Uri source, CancellationToken stopping) =>
        _ = Task.Run(() => RunAsync(imageId, source, stopping), CancellationToken.None);

    private async Task RunAsync(Guid imageId, Uri source, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(timing.Pending, clock, stopping);
            if (images.Update(imageId, i => i with { State = ImageState.Creating }) is null)
            {
                return;
            }

            var started = clock.GetTimestamp();
            var bytes = await DownloadAsync(source, stopping);
            var remaining = timing.MinimumCreating - clock.GetElapsedTime(started);
            if (remaining > TimeSpan.Zero)
            {
                await Task.Delay(remaining, clock, stopping);
            }

            images.Update(imageId, i => i with { State = ImageState.Ready, SizeGiB = RoundUpToGiB(bytes) });
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The emulator is stopping: nothing is left to report to.
        }
        catch (Exception e) when (e is HttpRequestException or IOException or ImportFailedException or TaskCanceledException)
        {
            log.LogInformation("import of image {ImageId} failed: {Reason}", imageId, e.Message);
            images.Update(imageId, i => i with { State = ImageState.Failed, FailureReason = e.Message });
        }
    }

    /// <summary>sizeGiB as the service computes it from Glance's virtual_size: rounded up to a whole GiB.</summary>
    public static long RoundUpToGiB(long bytes) => (bytes + GiB - 1) / GiB;

    /// <summary>The object's size in bytes, counted as it streams (not trusted from Content-Length).</summary>
    private async Task<long> DownloadAsync(Uri source, CancellationToken stopping)
    {
        using var response = await http.GetAsync(source, HttpCompletionOption.ResponseHeadersRead, stopping);
        if (!response.IsSuccessStatusCode)
        {
            throw new ImportFailedException($"GET {source.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}");
        }

        var expected = response.Content.Headers.ContentLength;
        await using var body = await response.Content.ReadAsStreamAsync(stopping);
        var buffer = new byte[1 << 20];
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(buffer, stopping)) > 0)
        {
            total += n;
        }

        if (expected is { } length && total != length)
        {
            throw new ImportFailedException($"download ended after {total} of {length} bytes");
        }

        return total;
    }

    private sealed class ImportFailedException(string message) : Exception(message);
}
