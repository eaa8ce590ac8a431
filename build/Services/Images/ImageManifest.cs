using GpuImageBuilder.Build.Services.Audit;
using Newtonsoft.Json;
using Newtonsoft.Json.Converters;
using Newtonsoft.Json.Serialization;

namespace GpuImageBuilder.Build.Services.Images;

/// <summary>
/// The build manifest of one image (output/&lt;image&gt;/manifest.json): what went in (inputs, definition, the
/// versions asked for, tools), what came out (sizes, SHA-256, what the image contains, read from it) and what each
/// step did. Each step writes its own section; readers (GeneratePayload, later) use the same type. A file from an
/// older schema is read as far as its fields still match, so a cached audit or smoke boot stays a cache hit.
/// </summary>
public sealed record ImageManifest
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public string? Name { get; init; }

    public string? RegisteredName { get; init; }

    /// <summary>The definition file, relative to the repository root.</summary>
    public string? Definition { get; init; }

    public string? LayeredOn { get; init; }

    public string? InputsHash { get; init; }

    public BaseImageSection? Base { get; init; }

    /// <summary>What the parameters asked for; <see cref="Contents"/> is what the image has.</summary>
    public RequestedVersions? Requested { get; init; }

    public IReadOnlyList<string>? Scripts { get; init; }

    public IReadOnlyDictionary<string, string>? Tools { get; init; }

    public ArtifactSection? Qcow2 { get; init; }

    public RawSection? Raw { get; init; }

    /// <summary>Every installed package, as the audit read it from the image's dpkg status.</summary>
    public IReadOnlyList<InstalledPackage>? Packages { get; init; }

    public ImageContents? Contents { get; init; }

    public AuditSection? Audit { get; init; }

    public SmokeBootSection? SmokeBoot { get; init; }

    public IReadOnlyDictionary<string, StepRecord> Steps { get; init; } = new Dictionary<string, StepRecord>(StringComparer.Ordinal);

    private static readonly JsonSerializerSettings Settings = new()
    {
        // Dictionary keys (step names, tool names) stay as written; only property names are camelCase.
        ContractResolver = new DefaultContractResolver { NamingStrategy = new CamelCaseNamingStrategy { ProcessDictionaryKeys = false } },
        Converters = [new StringEnumConverter(new CamelCaseNamingStrategy())],
        Formatting = Formatting.Indented,
        DateTimeZoneHandling = DateTimeZoneHandling.Utc,
    };

    public static ImageManifest Read(string path)
    {
        if (!File.Exists(path))
        {
            return new ImageManifest();
        }

        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (JsonException)
        {
            // A manifest that cannot be read is rebuilt by the steps; it is a record, not an input.
            return new ImageManifest();
        }
    }

    public static ImageManifest Parse(string json) =>
        (JsonConvert.DeserializeObject<ImageManifest>(json, Settings) ?? new ImageManifest()) with { SchemaVersion = CurrentSchemaVersion };

    public string ToJson() => JsonConvert.SerializeObject(this, Settings) + "\n";

    /// <summary>Reads, changes and rewrites the manifest atomically; returns what was written.</summary>
    public static ImageManifest Update(string path, Func<ImageManifest, ImageManifest> change)
    {
        var manifest = change(Read(path));
        AtomicFile.WriteAllText(path, manifest.ToJson());
        return manifest;
    }

    public ImageManifest WithStep(string step, StepRecord record)
    {
        var steps = new Dictionary<string, StepRecord>(Steps, StringComparer.Ordinal) { [step] = record };
        return this with { Steps = steps };
    }
}

public sealed record BaseImageSection(string Url, string Checksum);

public sealed record RequestedVersions(
    string Ubuntu,
    string? Kubernetes,
    string? NvidiaDriver,
    string? NvidiaKernelModules,
    string? NvidiaContainerToolkit);

public sealed record ArtifactSection(string File, long Bytes, string Sha256);

public sealed record RawSection(string File, long VirtualSize, long AllocatedBytes, string Sha256);

/// <summary>A gate's verdict on one raw image (by its SHA-256): passed gates are skipped for the same bytes.</summary>
public interface IRawGateResult
{
    bool Passed { get; }

    string RawSha256 { get; }
}

public sealed record AuditSection(
    bool Passed,
    IReadOnlyList<string> Violations,
    bool FirmwareOptionExpected,
    IReadOnlyDictionary<string, string> PinnedPackages,
    string RawSha256) : IRawGateResult
{
    /// <summary>Whether the kernel-update policy was checked (the image runs 02).</summary>
    public bool KernelUpdatePolicyExpected { get; init; }

    /// <summary>The sandbox image containerd must use (null: not checked).</summary>
    public string? SandboxImageExpected { get; init; }

    public bool FabricManagerExpected { get; init; }

    /// <summary>What the image carries: kernel flavours and holds, the unattended-upgrade blacklist, masked timers,
    /// containerd's sandbox image, fabric manager and persistenced (null in manifests from before issue 11).</summary>
    public NodePolicy? Policy { get; init; }
}

public sealed record SmokeBootSection(bool Passed, string Marker, string Accelerator, string RawSha256) : IRawGateResult;

/// <summary>How a step's last attempt ended.</summary>
public enum StepOutcome
{
    Passed,
    Failed,
    Cached,
    Skipped,
}

/// <summary>The run that produced the current artifact (or verdict). Never a cache hit: those are attempts.</summary>
public sealed record ProducingRun(double Seconds, DateTime At)
{
    public bool Cached => false;
}

/// <summary>The most recent attempt at a step, whatever came of it; <paramref name="Error"/> when it failed.</summary>
public sealed record StepAttempt(StepOutcome Outcome, DateTime At, double Seconds, string? Error = null);

/// <summary>Per step: what produced the artifact, and separately what happened last time the step ran.</summary>
public sealed record StepRecord(ProducingRun? Produced, StepAttempt? LastAttempt);
