using Polly;
using Polly.Retry;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>
/// The retry pipeline around each S3 request: exponential backoff with jitter, bounded, on connection errors,
/// timeouts, 5xx and SlowDown only; a 400/403/404 is an input to fix and goes straight to the user.
/// </summary>
public static class S3Retry
{
    public static ResiliencePipeline Pipeline(UploadTuning tuning, CancellationToken cancellation) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(tuning.MaxAttempts - 1, 0) is var n && n == 0 ? 1 : n,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex =>
                    tuning.MaxAttempts > 1 && !cancellation.IsCancellationRequested && S3Failure.Classify(ex, cancellation) != S3FailureKind.Permanent),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = tuning.RetryDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
            })
            .Build();
}
