namespace GpuImageBuilder.Build.Services.Publishing;

/// <summary>
/// What Upload proved about one raw in S3 (output/&lt;image&gt;/upload.json), read by Register: the object, its size
/// and SHA-256 as HeadObject reported them after the upload, and that an anonymous (public) or presigned Range GET of
/// bytes 0-511 ended in 55 AA. Holds no secret: a presigned URL is made again when it is sent.
/// </summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Key">The object key.</param>
/// <param name="Url">The plain object URL (the payload's <c>spec.uri</c> before any signature).</param>
/// <param name="Size">Bytes, as HeadObject reported them.</param>
/// <param name="Sha256">Lower-case hex, from Checksum, stored in the object's metadata and read back.</param>
/// <param name="BootSectorVerified">The range GET through the published URL ended in 55 AA.</param>
/// <param name="UploadedAt">When the object was completed (or found already there).</param>
public sealed record UploadedObject(string Bucket, string Key, Uri Url, long Size, string Sha256, bool BootSectorVerified, DateTimeOffset UploadedAt);
