using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace GpuImageBuilder.Build.Services.Region;

/// <summary>How hard the client tries: per-attempt timeout, attempts, backoff and a cap on the whole call.</summary>
/// <param name="AttemptTimeout">One request's longest wait for its answer.</param>
/// <param name="MaxAttempts">Attempts per call, the first included.</param>
/// <param name="BaseDelay">First backoff; doubled each retry, with jitter.</param>
/// <param name="MaxDelay">Longest computed backoff (a Retry-After is honoured up to <paramref name="TotalTimeout"/>).</param>
/// <param name="TotalTimeout">Longest one call may take, retries included.</param>
public sealed record RegionClientOptions(TimeSpan AttemptTimeout, int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay, TimeSpan TotalTimeout)
{
    public static RegionClientOptions Default { get; } =
        new(TimeSpan.FromSeconds(60), 5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(5));
}

/// <summary>
/// The retry policy of idempotent region calls (GET, DELETE), from Polly: connection errors, attempt timeouts, 429
/// (after its Retry-After) and 5xx are retried with exponential backoff and jitter, bounded by attempts and total
/// time; any other answer (a 4xx says the request itself is wrong) is returned at once. The POST is not sent through
/// this: <see cref="RegionClient.CreateImageAsync"/> looks the name up before it sends again.
/// </summary>
public static class RegionResilience
{
    public static bool IsTransient(HttpStatusCode status) => status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>How long the region asked the client to wait (Retry-After as seconds or a date), capped.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan cap)
    {
        var header = response?.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return wait is null ? null : wait < TimeSpan.Zero ? TimeSpan.Zero : wait > cap ? cap : wait;
    }

    public static ResiliencePipeline<HttpResponseMessage> Idempotent(RegionClientOptions options, Action<string> onRetry) =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddTimeout(options.TotalTimeout)
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(0, options.MaxAttempts - 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => IsTransient(r.StatusCode)),
                // Retry-After wins over the computed backoff; null keeps the backoff.
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, options.TotalTimeout)),
                OnRetry = args =>
                {
                    var why = args.Outcome.Result is { } r ? $"HTTP {(int)r.StatusCode}" : Why(args.Outcome.Exception);
                    onRetry($"{why}; retry {args.AttemptNumber + 1} of {options.MaxAttempts - 1} in {args.RetryDelay.TotalSeconds:0.0}s");
                    return default;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();

    public static string Why(Exception? error) => error switch
    {
        TimeoutRejectedException => "no answer in time",
        HttpRequestException { HttpRequestError: var kind } => $"connection error ({kind})",
        null => "no answer",
        _ => error.GetType().Name,
    };
}
