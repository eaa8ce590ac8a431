using System.Collections.Concurrent;
using System.Net;
using GpuImageBuilder.Build.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>
/// A small object store on 127.0.0.1 serving real files over real HTTP with Range support, like the bucket the
/// region imports from. An object can vanish (404 from then on) or be cut (a full GET stops mid-body).
/// </summary>
public sealed class ObjectServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TempDir _folder = new("gib-objects");
    private readonly ConcurrentDictionary<string, bool> _cut = new();

    private ObjectServer(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    /// <summary>The Range header of each GET, "" for a GET of the whole object.</summary>
    public ConcurrentQueue<string> Ranges { get; } = new();

    public static async Task<ObjectServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        ObjectServer? self = null;
        app.MapGet("/objects/{name}", (string name, HttpContext context) => self!.ServeAsync(name, context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        self = new ObjectServer(app, new Uri(address.TrimEnd('/') + "/"));
        return self;
    }

    /// <summary>
    /// A raw-like object: a 512-byte boot sector (ending 55 AA unless told otherwise), random data up to dataBytes,
    /// and a sparse tail up to size, so a GiB-sized object costs no disk.
    /// </summary>
    public Uri Add(string name, long size, long dataBytes = 1 << 20, bool bootSignature = true)
    {
        using (var file = File.Create(_folder.File(name)))
        {
            var data = new byte[Math.Min(dataBytes, size)];
            Random.Shared.NextBytes(data);
            if (data.Length >= 512)
            {
                data[510] = bootSignature ? (byte)0x55 : (byte)0;
                data[511] = bootSignature ? (byte)0xAA : (byte)0;
            }

            file.Write(data);
            file.SetLength(size);
        }

        return UrlOf(name);
    }

    public Uri UrlOf(string name) => new(BaseUrl, "objects/" + name);

    public void Vanish(string name) => File.Delete(_folder.File(name));

    /// <summary>From now on a GET of the whole object sends half of it and drops the connection.</summary>
    public void Cut(string name) => _cut[name] = true;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<IResult> ServeAsync(string name, HttpContext context)
    {
        var range = context.Request.Headers.Range.ToString();
        Ranges.Enqueue(range);
        var path = _folder.File(name);
        if (!File.Exists(path))
        {
            return Results.NotFound();
        }

        if (range.Length == 0 && _cut.ContainsKey(name))
        {
            var length = new FileInfo(path).Length;
            context.Response.ContentLength = length;
            await using (var file = File.OpenRead(path))
            {
                var half = new byte[length / 2];
                await file.ReadExactlyAsync(half);
                await context.Response.Body.WriteAsync(half);
                await context.Response.Body.FlushAsync();
            }

            context.Abort();
            return Results.Empty;
        }

        return Results.File(path, "application/octet-stream", enableRangeProcessing: true);
    }
}
