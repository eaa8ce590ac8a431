namespace GpuImageBuilder.Build.Services.Region;

/// <summary>
/// One item of <c>GET /api/v2/regions/{regionID}/images</c>: the spec's <c>image</c> schema (metadata, spec, status),
/// with only the fields the build reads. Read with <see cref="RegionJson"/>.
/// </summary>
public sealed record RegionImage(RegionImageMetadata Metadata, RegionImageSpec Spec, RegionImageStatus Status)
{
    public string Id => Metadata.Id;

    public string Name => Metadata.Name;

    public string State => Status.State;

    /// <summary>The value of the tag named <paramref name="name"/>, or null.</summary>
    public string? Tag(string name) => Metadata.Tags?.FirstOrDefault(t => t.Name == name)?.Value;
}

/// <summary><c>staticResourceMetadata</c>: id, name, tags, creationTime.</summary>
public sealed record RegionImageMetadata(string Id, string Name, IReadOnlyList<RegionTag>? Tags, DateTimeOffset? CreationTime);

/// <summary>A <c>tag</c>.</summary>
public sealed record RegionTag(string Name, string Value);

/// <summary><c>imageSpec</c>: what the region stored about the image.</summary>
public sealed record RegionImageSpec(
    string? Architecture,
    long? SizeGiB,
    string? Virtualization,
    RegionImageOs? Os,
    IReadOnlyDictionary<string, string>? SoftwareVersions,
    RegionImageGpu? Gpu);

/// <summary><c>imageOS</c>.</summary>
public sealed record RegionImageOs(string? Kernel, string? Family, string? Distro, string? Variant, string? Codename, string? Version);

/// <summary><c>imageGpu</c>.</summary>
public sealed record RegionImageGpu(string? Vendor, string? Driver, IReadOnlyList<string>? Models);

/// <summary><c>imageStatus</c>: <c>state</c> is one of <see cref="ImageStates"/>.</summary>
public sealed record RegionImageStatus(string State);

/// <summary>The spec's <c>imageState</c> enum.</summary>
public static class ImageStates
{
    public const string Pending = "pending";
    public const string Creating = "creating";
    public const string Ready = "ready";
    public const string Failed = "failed";
}

/// <summary>The v2 list's <c>scope</c> query parameter: an organization's own images, or those it may use (own and global).</summary>
public enum ImageScope
{
    Owned,
    Available,
}

/// <summary>The spec's <c>error</c> schema (common.spec.yaml): OAuth2-style snake_case.</summary>
public sealed record RegionErrorBody(
    [property: Newtonsoft.Json.JsonProperty("error")] string? Error,
    [property: Newtonsoft.Json.JsonProperty("error_description")] string? ErrorDescription,
    [property: Newtonsoft.Json.JsonProperty("trace_id")] string? TraceId);
