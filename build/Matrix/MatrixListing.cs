using GpuImageBuilder.Build.Images;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace GpuImageBuilder.Build.Matrix;

/// <summary>
/// The supported combinations as CI reads them (<c>output/matrix.json</c>, one job per combination) and as a person
/// reads them (a table): for each, the three flags that select it and the name every image is published under.
/// </summary>
public sealed record MatrixListing(int SchemaVersion, string Table, string Reviewed, IReadOnlyList<MatrixListingEntry> Combinations)
{
    public const int CurrentSchemaVersion = 1;

    private static readonly JsonSerializerSettings Settings = new()
    {
        ContractResolver = new DefaultContractResolver { NamingStrategy = new CamelCaseNamingStrategy { ProcessDictionaryKeys = false } },
        Formatting = Formatting.Indented,
    };

    public static MatrixListing Of(SupportMatrix matrix, IReadOnlyList<ImageDefinition> images) =>
        new(CurrentSchemaVersion, SupportMatrix.RepositoryPath, matrix.Reviewed, matrix.Combinations().Select(c => MatrixListingEntry.Of(c, images)).ToList());

    public string ToJson() => JsonConvert.SerializeObject(this, Settings) + "\n";

    public static MatrixListing FromJson(string json) =>
        JsonConvert.DeserializeObject<MatrixListing>(json, Settings) ?? throw new InvalidDataException("empty matrix listing");

    /// <summary>One line per combination: id, the three versions, the image names.</summary>
    public IEnumerable<string> TableLines()
    {
        var imageNames = Combinations.SelectMany(c => c.Images.Keys).Distinct().ToList();
        var header = new[] { "combination", "ubuntu", "driver", "kubernetes", "pause image" }.Concat(imageNames).ToList();
        var rows = Combinations.Select(c => new[] { c.Id + (c.Default ? " (default)" : string.Empty), c.UbuntuVersion, c.NvidiaDriverVersion, c.KubernetesVersion, c.PauseImage }
            .Concat(imageNames.Select(n => c.Images.GetValueOrDefault(n, "-"))).ToList()).ToList();
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToList();
        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd();
        yield return Line(header);
        foreach (var row in rows)
        {
            yield return Line(row);
        }
    }
}

/// <param name="Arguments">The build arguments that select this combination (the image version aside).</param>
/// <param name="Images">Definition name → the name it is published under (registered as &lt;name&gt;-&lt;version&gt;).</param>
public sealed record MatrixListingEntry(
    string Id,
    bool Default,
    string UbuntuVersion,
    string UbuntuCodename,
    string NvidiaDriverBranch,
    string NvidiaDriverVersion,
    string NvidiaContainerToolkitVersion,
    string KubernetesVersion,
    string KubernetesRepository,
    string PauseImage,
    string BaseImageUrl,
    string BaseImageSha256,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Images)
{
    public static MatrixListingEntry Of(MatrixCombination c, IReadOnlyList<ImageDefinition> images) => new(
        c.Id,
        c.IsDefault,
        c.Ubuntu.Version,
        c.Ubuntu.Codename,
        c.Branch.Branch,
        c.DriverVersion,
        c.ContainerToolkitVersion,
        c.KubernetesVersion,
        c.Kubernetes.PackageRepository,
        c.Kubernetes.PauseImage,
        c.Ubuntu.BaseImage.Url,
        c.Ubuntu.BaseImage.Sha256,
        [$"--ubuntu-version={c.Ubuntu.Version}", $"--nvidia-driver-version={c.DriverVersion}", $"--kubernetes-version={c.KubernetesVersion}"],
        images.ToDictionary(i => i.Name, i => c.PublishedName(i.Name, ImageAxes.Of(i)), StringComparer.Ordinal));
}
