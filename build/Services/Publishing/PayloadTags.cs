namespace GpuImageBuilder.Build.Services.Publishing;

/// <summary>
/// The tags GeneratePayload puts on <c>metadata.tags</c> so that Register can tell, from the region's list, whether
/// an image of the same name holds the same bytes (same SHA-256) from the same object.
/// </summary>
public static class PayloadTags
{
    /// <summary>The raw's SHA-256, lower-case hex.</summary>
    public const string Sha256 = "gpu-image-builder.sha256";

    /// <summary>The object the raw was uploaded to, s3://bucket/key.</summary>
    public const string Object = "gpu-image-builder.object";
}
