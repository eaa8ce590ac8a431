using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GpuImageBuilder.RegionEmulator.Access;
using GpuImageBuilder.RegionEmulator.Hosting;
using GpuImageBuilder.RegionEmulator.Import;

namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>
/// A region emulator and an object server, both on 127.0.0.1, with the tokens the tests use:
/// full (every permission in org-a and org-b), reader (read only in org-a), org-a-only.
/// </summary>
public sealed class EmulatorSession : IAsyncDisposable
{
    public const string Region = "region-1";
    public const string Full = "full-token";
    public const string Reader = "reader-token";
    public const string OrgAOnly = "org-a-only-token";
    public const string GlobalImage = "global-ubuntu-24.04";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private EmulatorSession(EmulatorHost host, ObjectServer objects, StringWriter log)
    {
        Host = host;
        Objects = objects;
        Log = log;
    }

    public EmulatorHost Host { get; }

    public ObjectServer Objects { get; }

    /// <summary>What the emulator wrote: its request lines.</summary>
    public StringWriter Log { get; }

    public static async Task<EmulatorSession> StartAsync(Func<EmulatorOptions, EmulatorOptions>? configure = null)
    {
        var objects = await ObjectServer.StartAsync();
        var log = new StringWriter();
        var options = new EmulatorOptions
        {
            Tokens = TokenGrants.Parse([$"{Full}:org-a,org-b", $"{Reader}:org-a=read", $"{OrgAOnly}:org-a"]),
            Regions = [Region],
            // Short, to keep the suite fast; the test that watches each state sets its own, longer ones.
            Timing = new ImportTiming(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300)),
            GlobalImages = [GlobalImage],
            Log = TextWriter.Synchronized(log),
        };
        var host = await EmulatorHost.StartAsync(configure?.Invoke(options) ?? options);
        return new EmulatorSession(host, objects, log);
    }

    public Uri Url(string relative) => new(Host.BaseUrl, relative);

    public static string ImagesPath(string org, string region = Region) => $"api/v1/organizations/{org}/regions/{region}/images";

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string relative, string? token, JsonNode? body = null)
    {
        var request = new HttpRequestMessage(method, Url(relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return _http.SendAsync(request);
    }

    public Task<HttpResponseMessage> CreateAsync(JsonNode body, string token = Full, string org = "org-a") =>
        SendAsync(HttpMethod.Post, ImagesPath(org), token, body);

    /// <summary>Creates an image that must be accepted, and returns its id.</summary>
    public async Task<string> CreatedIdAsync(JsonNode body, string token = Full, string org = "org-a")
    {
        using var response = await CreateAsync(body, token, org);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        return JsonDocument.Parse(text).RootElement.GetProperty("metadata").GetProperty("id").GetString()!;
    }

    public async Task<JsonElement[]> ListAsync(string query, string token = Full)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/v2/regions/{Region}/images?{query}", token);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        return JsonDocument.Parse(text).RootElement.EnumerateArray().ToArray();
    }

    public static IEnumerable<string?> Names(IEnumerable<JsonElement> images) =>
        images.Select(i => i.GetProperty("metadata").GetProperty("name").GetString());

    /// <summary>Polls the v2 list as a client would until the image is in one of the final states.</summary>
    public async Task<(JsonElement Image, List<string> StatesSeen)> WaitForFinalStateAsync(string id, string org = "org-a")
    {
        var seen = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var image = (await ListAsync($"organizationID={org}&scope=owned"))
                .SingleOrDefault(i => i.GetProperty("metadata").GetProperty("id").GetString() == id);
            if (image.ValueKind == JsonValueKind.Object)
            {
                var state = image.GetProperty("status").GetProperty("state").GetString()!;
                if (seen.Count == 0 || seen[^1] != state)
                {
                    seen.Add(state);
                }

                if (state is "ready" or "failed")
                {
                    return (image.Clone(), seen);
                }
            }

            await Task.Delay(20);
        }

        Assert.Fail($"image {id} reached no final state in 20 s; states seen: {string.Join(", ", seen)}");
        throw new InvalidOperationException();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Host.DisposeAsync();
        await Objects.DisposeAsync();
    }
}
