namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>How all-zero parts are made.</summary>
public enum ZeroPartMode
{
    /// <summary>
    /// Measure, per run: data parts are sent first; then the first zero parts (as many as run at once) are copied
    /// server-side, timed at the same concurrency, and the rest are copied unless a copy took clearly longer per
    /// byte than a sent part did (<see cref="MultipartEngine.CopyTolerance"/>). On a slow link (a build host
    /// uploading to a cloud) copying wins by far; on a fast loopback RGW, which copies the bytes itself, sending can
    /// be faster, and then the rest are sent.
    /// </summary>
    Auto,

    /// <summary>Always copy zero parts server-side (when the server supports UploadPartCopy).</summary>
    Copy,

    /// <summary>Always send zero parts (as a server without UploadPartCopy gets them).</summary>
    Send,
}

/// <summary>
/// The engine's internal knobs, not user parameters: zero-part mode and per-request retries. Benchmarks and tests
/// set them through the environment (<c>GIB_UPLOAD_ZERO_PARTS=auto|copy|send</c>, <c>GIB_UPLOAD_RETRY_DELAY_MS</c>).
/// </summary>
/// <param name="MaxAttempts">Attempts per request on connection errors, timeouts, 5xx and SlowDown (never on other 4xx).</param>
/// <param name="RetryDelay">First backoff delay (doubled each retry, with jitter).</param>
public sealed record UploadTuning(ZeroPartMode ZeroParts, int MaxAttempts, TimeSpan RetryDelay)
{
    public static readonly UploadTuning Default = new(ZeroPartMode.Auto, 4, TimeSpan.FromSeconds(1));

    public static UploadTuning FromEnvironment()
    {
        var tuning = Default;
        if (Environment.GetEnvironmentVariable("GIB_UPLOAD_ZERO_PARTS") is { Length: > 0 } mode && Enum.TryParse<ZeroPartMode>(mode, ignoreCase: true, out var parsed))
        {
            tuning = tuning with { ZeroParts = parsed };
        }

        if (int.TryParse(Environment.GetEnvironmentVariable("GIB_UPLOAD_RETRY_DELAY_MS"), out var ms) && ms >= 0)
        {
            tuning = tuning with { RetryDelay = TimeSpan.FromMilliseconds(ms) };
        }

        return tuning;
    }
}
