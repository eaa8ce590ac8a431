using System.Text.Json.Serialization;

namespace GpuImageBuilder.RegionEmulator.Api;

// The wire shapes of the spec's image schemas (imageCreate, image, error), camelCase like the service.

public sealed record Tag(string Name, string Value);

public sealed record ResourceWriteMetadata(string Name, string? Description, IReadOnlyList<Tag>? Tags);

public sealed record ImageOs(string Kernel, string Family, string Distro, string? Variant, string? Codename, string Version);

public sealed record ImageGpu(string Vendor, string Driver, IReadOnlyList<string>? Models);

public sealed record ImageCreateSpec(
    string Uri,
    string Architecture,
    string Virtualization,
    ImageOs Os,
    IReadOnlyDictionary<string, string>? SoftwareVersions,
    ImageGpu? Gpu);

public sealed record ImageCreateRequest(ResourceWriteMetadata Metadata, ImageCreateSpec Spec);

public sealed record StaticResourceMetadata(string Id, string Name, IReadOnlyList<Tag>? Tags, DateTimeOffset CreationTime);

public sealed record ImageSpec(
    string Architecture,
    long SizeGiB,
    string Virtualization,
    ImageOs Os,
    IReadOnlyDictionary<string, string>? SoftwareVersions,
    ImageGpu? Gpu);

public sealed record ImageStatus(string State);

public sealed record ImageRead(StaticResourceMetadata Metadata, ImageSpec Spec, ImageStatus Status);

/// <summary>The service's error body (common.spec.yaml#/components/schemas/error), OAuth2 style snake_case.</summary>
public sealed record ErrorBody(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string ErrorDescription,
    [property: JsonPropertyName("trace_id")] string TraceId);
