using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Services.Region;
using GpuImageBuilder.Build.Services.Register;
using GpuImageBuilder.Build.Tests.Emulator;
using GpuImageBuilder.Build.Tests.Infrastructure;
using GpuImageBuilder.RegionEmulator.Access;
using GpuImageBuilder.RegionEmulator.Hosting;

namespace GpuImageBuilder.Build.Tests.Register;

/// <summary>
/// The region emulator (in-process, 127.0.0.1) with UUID organization and region IDs, as the build's parameters
/// require them, and the files Register reads (payload.json, upload.json) written into a fresh output folder.
/// Tokens: <see cref="Full"/> (every image permission), <see cref="Reader"/> (v2 list only).
/// </summary>
public abstract class RegionTestBed
{
    public const string Full = "region-full-token-Q7x2Lm9Zp4";
    public const string Reader = "region-reader-token-V3n8Kt1Wq6";

    /// <summary>The contract check Register applies to payload.json before any request.</summary>
    public static readonly PayloadValidator Validator = new(GpuImageBuilder.RegionContract.ContractSchemas.Load());

    public static readonly Guid Org = Guid.Parse("3f0c9a52-8d1e-4b6a-9c3f-2a7d5e1b8c40");
    public static readonly Guid RegionId = Guid.Parse("b5e2d7a1-4c3f-4e8b-a9d6-1f0e2c3b4a59");

    private int _names;

    protected EmulatorSession Session { get; private set; } = null!;

    protected static ImageDefinition GpuReady { get; } = StepFixtures_Catalog().Images.Single(i => i.Name == "gpu-ready");

    [OneTimeSetUp]
    public async Task StartEmulator() =>
        Session = await EmulatorSession.StartAsync(o => o with
        {
            Tokens = TokenGrants.Parse([$"{Full}:{Org}", $"{Reader}:{Org}=read"]),
            Regions = [RegionId.ToString()],
        });

    [OneTimeTearDown]
    public async Task StopEmulator() => await Session.DisposeAsync();

    [TearDown]
    public void DisarmFaults() => Session.Host.Faults.Clear();

    protected RegionSettings Region(Guid? region = null) => new(Session.Host.BaseUrl, Org, region ?? RegionId);

    protected static RegionClientOptions FastHttp { get; } =
        new(TimeSpan.FromSeconds(3), 5, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(15));

    protected RegisterOptions Options(string token = Full, bool replace = false, TimeSpan? timeout = null, bool dryRun = false, Guid? region = null) => new(
        Region(region),
        dryRun ? null : new RegionCredentials(token),
        new RegisterSettings(TimeSpan.FromMilliseconds(100), timeout ?? TimeSpan.FromSeconds(15), replace),
        ObjectUrlMode.Public,
        TimeSpan.FromHours(24),
        null,
        dryRun,
        FastHttp);

    /// <summary>A name no other test of this fixture uses.</summary>
    protected string UniqueName(string stem) => $"{stem}-{GetType().Name.ToLowerInvariant()[..6]}-{Interlocked.Increment(ref _names)}";

    /// <summary>An object the region can read (boot sector unless told otherwise).</summary>
    protected Uri Raw(string name, bool bootSignature = true) => Session.Objects.Add(name + ".raw", 2 << 20, bootSignature: bootSignature);

    protected static ImagePayload Payload(string name, Uri uri, params string[] models) => new(
        new PayloadMetadata(name, "test image", null),
        new PayloadSpec(uri, "x86_64", "virtualized", new PayloadOs("linux", "debian", "ubuntu", "server", "noble", "24.04"),
            new Dictionary<string, string> { ["kubernetes"] = "v1.31.4" },
            new PayloadGpu("NVIDIA", "570.133.20", models.Length == 0 ? ["H100", "H200"] : models)));

    /// <summary>payload.json and upload.json of gpu-ready in <paramref name="output"/>, as GeneratePayload and Upload write them.</summary>
    protected static ArtifactPaths WriteArtifacts(string output, ImagePayload payload, string sha256, bool withUpload = true)
    {
        var paths = new ArtifactPaths(output);
        Directory.CreateDirectory(paths.ImageDirectory(GpuReady.Name));
        File.WriteAllText(paths.Payload(GpuReady.Name), PayloadJson.Serialize(payload));
        if (withUpload)
        {
            var uploaded = new UploadedObject("gpu-images", $"images/{payload.Metadata.Name}.raw", payload.Spec.Uri, 2 << 20, sha256, true, DateTimeOffset.UtcNow);
            GpuImageBuilder.Build.Services.Upload.UploadedObjectFile.Write(paths.Uploaded(GpuReady.Name), uploaded);
        }

        return paths;
    }

    protected static string Sha(char c) => new(c, 64);

    /// <summary>The requests the emulator answered since <paramref name="since"/> (an earlier journal count).</summary>
    protected IReadOnlyList<JournalEntry> RequestsSince(int since) => [.. Session.Host.Requests.Entries.Skip(since)];

    protected int JournalCount => Session.Host.Requests.Entries.Count;

    protected static int Count(IEnumerable<JournalEntry> entries, string method) => entries.Count(e => e.Method == method && e.Path.StartsWith("/api", StringComparison.Ordinal));

    protected IReadOnlyList<RegionEmulator.Images.StoredImage> ImagesNamed(string name) =>
        [.. Session.Host.Images.All().Where(i => i.Name == name)];

    private static ImageCatalog StepFixtures_Catalog() => ImageCatalog.Load(RepoPaths.InRepo("templates", "images"));
}
