using System.Net;
using GpuImageBuilder.Build.Parameters;
using Polly;
using Polly.Timeout;

namespace GpuImageBuilder.Build.Services.Region;

/// <summary>
/// The region's image API over one HttpClient: list (v2, owned or available), the hidden v1 list, create and delete.
/// GETs and DELETEs go through <see cref="RegionResilience"/>; a POST whose answer is lost (connection error,
/// timeout, 5xx) is followed by a lookup of the name, and sent again only if the image is not there, so a run
/// never makes two images. Every failure is a <see cref="RegionException"/> with one line; the token (and any
/// secret added with <see cref="AddSecret"/>) never appears in one.
/// </summary>
public sealed class RegionClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly RegionCredentials _credentials;
    private readonly RegionClientOptions _options;
    private readonly IBuildLog _log;
    private readonly ResiliencePipeline<HttpResponseMessage> _idempotent;
    private readonly List<string> _secrets;

    public RegionClient(RegionSettings region, RegionCredentials credentials, IBuildLog log, RegionClientOptions? options = null)
    {
        Routes = new RegionRoutes(region);
        _credentials = credentials;
        _options = options ?? RegionClientOptions.Default;
        _log = log;
        _secrets = [credentials.Token];
        // Timeouts are Polly's (per attempt and per call), so the client's own is off.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _idempotent = RegionResilience.Idempotent(_options, line => _log.Information($"region: {Scrub(line)}"));
    }

    public RegionRoutes Routes { get; }

    private RegionSettings Region => Routes.Region;

    private string Host => Region.BaseUrl.Authority;

    /// <summary>A value (a presigned query string) that must never appear in an error line.</summary>
    public void AddSecret(string secret)
    {
        if (secret.Length > 0)
        {
            _secrets.Add(secret);
        }
    }

    /// <summary>The organization's images in this region (v2): its own, or all it may use (own and global).</summary>
    public async Task<IReadOnlyList<RegionImage>> ListImagesAsync(ImageScope scope, CancellationToken cancellation) =>
        await SendAsync<List<RegionImage>>(Routes.ListImages(scope), null, cancellation) ?? [];

    /// <summary>The hidden v1 list (ready images): unlike v2, it refuses (403) an organization the token may not read.</summary>
    public async Task<IReadOnlyList<RegionImage>> ListReadyImagesAsync(CancellationToken cancellation) =>
        await SendAsync<List<RegionImage>>(Routes.ListReadyImages(), null, cancellation) ?? [];

    /// <summary>The owned images of this name (names are not unique in the region).</summary>
    public async Task<IReadOnlyList<RegionImage>> FindOwnedAsync(string name, CancellationToken cancellation) =>
        [.. (await ListImagesAsync(ImageScope.Owned, cancellation)).Where(i => i.Name == name)];

    /// <summary>DELETE; 202 is success.</summary>
    public async Task DeleteImageAsync(RegionImage image, CancellationToken cancellation) =>
        await SendAsync<object>(Routes.DeleteImage(image.Name, image.Id), null, cancellation);

    /// <summary>
    /// POST an <c>imageCreate</c> body. When an attempt's answer is lost, the owned list is read before any new
    /// attempt: an image of this name that <paramref name="isThisImage"/> accepts is the one that attempt made.
    /// </summary>
    /// <param name="imageUri">The plain spec.uri (no signature), for the 422 line.</param>
    public async Task<RegionImage> CreateImageAsync(string name, string body, Func<RegionImage, bool> isThisImage, Uri imageUri, CancellationToken cancellation)
    {
        var request = Routes.CreateImage(name, body);
        var started = DateTime.UtcNow;
        string? lost = null;

        // After a lost answer: the image that attempt may have made, if it is in the owned list.
        async Task<RegionImage?> MadeAnywayAsync()
        {
            var made = (await FindOwnedAsync(name, cancellation)).FirstOrDefault(isThisImage);
            if (made is not null)
            {
                _log.Information($"region: the answer to the POST was lost ({lost}), but the image was created: {made.Name} ({made.Id}), {made.State}");
            }

            return made;
        }

        for (var attempt = 1; ; attempt++)
        {
            if (lost is not null)
            {
                if (await MadeAnywayAsync() is { } made)
                {
                    return made;
                }

                _log.Information($"region: POST {name}: {lost}; the image is not in the owned list, sending it again (attempt {attempt} of {_options.MaxAttempts})");
            }

            HttpResponseMessage response;
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            attemptTimeout.CancelAfter(_options.AttemptTimeout);
            try
            {
                response = await _http.SendAsync(request.ToMessage(_credentials), attemptTimeout.Token);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                lost = $"no answer in {_options.AttemptTimeout.TotalSeconds:0.#}s";
                if (GiveUp(attempt, started))
                {
                    return await MadeAnywayAsync() ?? throw TimedOut(request, attempt);
                }

                continue;
            }
            catch (HttpRequestException error)
            {
                lost = RegionResilience.Why(error);
                if (GiveUp(attempt, started))
                {
                    return await MadeAnywayAsync() ?? throw Unreachable(request, error, attempt);
                }

                await Task.Delay(Backoff(attempt, null), cancellation);
                continue;
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellation);
                if (response.IsSuccessStatusCode)
                {
                    return Parse<RegionImage>(request, text);
                }

                if (!RegionResilience.IsTransient(response.StatusCode))
                {
                    throw Refused(request, response.StatusCode, text, imageUri);
                }

                if (GiveUp(attempt, started))
                {
                    lost = $"HTTP {(int)response.StatusCode}";
                    return (response.StatusCode == HttpStatusCode.TooManyRequests ? null : await MadeAnywayAsync())
                        ?? throw Refused(request, response.StatusCode, text, imageUri);
                }

                // A 429 was refused before it was handled; a 5xx may have been handled: look before sending again.
                lost = response.StatusCode == HttpStatusCode.TooManyRequests ? null : $"HTTP {(int)response.StatusCode}";
                var wait = Backoff(attempt, response);
                _log.Information($"region: POST {name}: HTTP {(int)response.StatusCode}; retry {attempt} of {_options.MaxAttempts - 1} in {wait.TotalSeconds:0.0}s");
                await Task.Delay(wait, cancellation);
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private bool GiveUp(int attempt, DateTime started) =>
        attempt >= _options.MaxAttempts || DateTime.UtcNow - started >= _options.TotalTimeout;

    private TimeSpan Backoff(int attempt, HttpResponseMessage? response)
    {
        if (RegionResilience.RetryAfter(response, _options.TotalTimeout) is { } asked)
        {
            return asked;
        }

        var exponential = _options.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        var jittered = exponential * (0.5 + Random.Shared.NextDouble());
        return TimeSpan.FromMilliseconds(Math.Min(jittered, _options.MaxDelay.TotalMilliseconds));
    }

    private async Task<T?> SendAsync<T>(RegionRequest request, Uri? imageUri, CancellationToken cancellation)
        where T : class
    {
        HttpResponseMessage response;
        try
        {
            response = await _idempotent.ExecuteAsync(
                async token => await _http.SendAsync(request.ToMessage(_credentials), token),
                cancellation);
        }
        catch (TimeoutRejectedException)
        {
            throw TimedOut(request, _options.MaxAttempts);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // An HttpClient timeout that was not Polly's is still a timeout, never an interrupt.
            throw TimedOut(request, _options.MaxAttempts);
        }
        catch (HttpRequestException error)
        {
            throw Unreachable(request, error, _options.MaxAttempts);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellation);
            if (!response.IsSuccessStatusCode)
            {
                throw Refused(request, response.StatusCode, text, imageUri);
            }

            return typeof(T) == typeof(object) || text.Length == 0 ? null : Parse<T>(request, text);
        }
    }

    /// <summary>A 2xx that is not the region's JSON (a proxy's or another server's page) is a wrong URL, said in one line.</summary>
    private T Parse<T>(RegionRequest request, string text)
    {
        try
        {
            return RegionJson.Read<T>(text);
        }
        catch (Newtonsoft.Json.JsonException error)
        {
            throw new RegionException(Scrub(
                $"{Host} answered the request to {request.Operation} with something that is not the region's JSON ({error.Message.Split('\n')[0]}): check --{Arg.RegionUrl} ({Env.RegionUrl})"));
        }
    }

    private RegionException Refused(RegionRequest request, HttpStatusCode status, string text, Uri? imageUri)
    {
        var refused = (int)status == 429
            ? new RegionException($"the region kept throttling (HTTP 429) the request to {request.Operation} after {_options.MaxAttempts} attempts: try again later", 429)
            : RegionFailures.Refused(request, Region, (int)status, RegionJson.ReadError(text), imageUri?.GetLeftPart(UriPartial.Path));
        return new RegionException(Scrub(refused.Message), refused.Status);
    }

    private RegionException TimedOut(RegionRequest request, int attempts) => new(Scrub(
        $"timeout: the region at {Host} did not answer the request to {request.Operation} ({request.Method} {request.Url.AbsolutePath}) within {_options.AttemptTimeout.TotalSeconds:0.#}s, {attempts} attempt(s): check that {Host} is up and reachable from here (--{Arg.RegionUrl}, {Env.RegionUrl}), or a proxy in between"));

    private RegionException Unreachable(RegionRequest request, HttpRequestException error, int attempts) => new(Scrub(
        $"cannot reach the region at {Host} to {request.Operation} ({RegionResilience.Why(error)}: {error.Message}) after {attempts} attempt(s): check --{Arg.RegionUrl} ({Env.RegionUrl}) and the network"),
        null,
        null);

    private string Scrub(string text) =>
        _secrets.Aggregate(text, (current, secret) => current.Replace(secret, "[REDACTED]", StringComparison.Ordinal));
}
