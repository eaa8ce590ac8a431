namespace GpuImageBuilder.Build.Services.Publishing;

/// <summary>
/// The tags GeneratePayload puts on every image (<c>metadata.tags</c>), so that Register can recognise its own image
/// in the region's list later: the region keeps an image's tags and returns them in the v2 list. Same name, same
/// object and same SHA-256 means the image is already registered.
/// </summary>
public static class PayloadTags
{
    /// <summary>Lower-case hex SHA-256 of the raw image (the manifest's <c>raw.sha256</c>, from Checksum).</summary>
    public const string Sha256 = "gpu-image-builder.sha256";

    /// <summary>Where the raw was published, as <c>s3://bucket/key</c> (never a URL with a signature).</summary>
    public const string Object = "gpu-image-builder.object";

    /// <summary>The value of a tag of a payload's metadata, or null.</summary>
    public static string? Find(IEnumerable<PayloadTag>? tags, string name) =>
        tags?.FirstOrDefault(t => t.Name == name)?.Value;
}
