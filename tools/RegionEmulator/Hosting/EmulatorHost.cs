using System.Net;
using GpuImageBuilder.RegionEmulator.Api;
using GpuImageBuilder.RegionContract;
using GpuImageBuilder.RegionEmulator.Faults;
using GpuImageBuilder.RegionEmulator.Images;
using GpuImageBuilder.RegionEmulator.Import;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace GpuImageBuilder.RegionEmulator.Hosting;

/// <summary>A running emulator on 127.0.0.1: started by Program for people and scripts, in-process by tests.</summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmulatorHost(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>http://127.0.0.1:PORT/, the port the system chose when the options asked for 0.</summary>
    public Uri BaseUrl { get; }

    public ImageStore Images => _app.Services.GetRequiredService<ImageStore>();

    public FaultInjector Faults => _app.Services.GetRequiredService<FaultInjector>();

    public RequestJournal Requests => _app.Services.GetRequiredService<RequestJournal>();

    public static async Task<EmulatorHost> StartAsync(EmulatorOptions options, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        // Request lines come from the journal; the framework speaks only of problems (and never logs headers).
        builder.Logging.ClearProviders().AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("GpuImageBuilder", LogLevel.Information);
        // The service leaves absent optional fields out (Go omitempty); null is not in the spec's types.
        builder.Services.ConfigureHttpJsonOptions(j =>
            j.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull);
        AddServices(builder.Services, options);

        var app = builder.Build();
        app.Use((context, next) => RequestJournal.MiddlewareAsync(context, next, app.Services.GetRequiredService<RequestJournal>()));
        app.Use((context, next) => FaultMiddleware.InvokeAsync(context, next, app.Services.GetRequiredService<FaultInjector>()));
        ImageEndpoints.Map(app);
        AdminEndpoints.Map(app);

        SeedGlobalImages(app.Services.GetRequiredService<ImageStore>(), options.GlobalImages);
        var faults = app.Services.GetRequiredService<FaultInjector>();
        foreach (var fault in options.Faults)
        {
            faults.Arm(fault);
        }

        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new EmulatorHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static void AddServices(IServiceCollection services, EmulatorOptions options)
    {
        var clock = TimeProvider.System;
        services.AddSingleton(clock);
        services.AddSingleton(options.Tokens);
        services.AddSingleton(new RegionCatalog(options.Regions));
        services.AddSingleton(options.Timing);
        services.AddSingleton(new ImageStore(options.ListDelay, clock));
        services.AddSingleton(new RequestJournal(options.Log));
        services.AddSingleton<FaultInjector>();
        services.AddSingleton(ContractSchemas.Load());
        services.AddSingleton<ImageCreateRules>();
        services.AddSingleton<ImageQuery>();
        services.AddSingleton<ImageCreation>();
        // The probe must answer within the request; the import may download many GiB.
        services.AddSingleton(_ => new BootSectorProbe(new HttpClient { Timeout = TimeSpan.FromSeconds(30) }));
        services.AddSingleton(sp => new ImageImporter(sp.GetRequiredService<ImageStore>(),
            new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, options.Timing, clock, sp.GetRequiredService<ILogger<ImageImporter>>()));
    }

    private static void SeedGlobalImages(ImageStore images, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            images.Add(new StoredImage(Guid.NewGuid(), name, OrganizationId: null, DateTimeOffset.UtcNow,
                new ImageCreateSpec("https://images.example.invalid/" + name + ".raw", "x86_64", "virtualized",
                    new ImageOs("linux", "debian", "ubuntu", "server", "noble", "24.04"), SoftwareVersions: null, Gpu: null),
                Tags: [], ImageState.Ready, SizeGiB: 8, InUse: false, FailureReason: null));
        }
    }
}
