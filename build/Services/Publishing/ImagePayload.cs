namespace GpuImageBuilder.Build.Services.Publishing;

/// <summary>
/// The body of <c>POST /api/v1/organizations/{org}/regions/{region}/images</c>: the region spec's <c>imageCreate</c>
/// (contracts/region/), field for field. Serialised camelCase with nulls left out (<see cref="PayloadJson"/>).
/// </summary>
public sealed record ImagePayload(PayloadMetadata Metadata, PayloadSpec Spec);

/// <summary><c>resourceMetadata</c>: the registered name and the tags Register finds the image by again.</summary>
public sealed record PayloadMetadata(string Name, string? Description, IReadOnlyList<PayloadTag>? Tags);

/// <summary>A <c>tag</c>: name and value.</summary>
public sealed record PayloadTag(string Name, string Value);

/// <summary><c>imageCreateSpec</c>.</summary>
/// <param name="Uri">Where the region fetches the raw from (the plain object URL; a presigned one is made at send time).</param>
public sealed record PayloadSpec(
    Uri Uri,
    string Architecture,
    string Virtualization,
    PayloadOs Os,
    IReadOnlyDictionary<string, string>? SoftwareVersions,
    PayloadGpu? Gpu);

/// <summary><c>imageOS</c>.</summary>
public sealed record PayloadOs(string Kernel, string Family, string Distro, string? Variant, string? Codename, string Version);

/// <summary><c>imageGpu</c>: present only for images with a driver.</summary>
public sealed record PayloadGpu(string Vendor, string Driver, IReadOnlyList<string>? Models);
