using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Services.Publishing;

/// <summary>
/// Where one raw image lives in S3: the one type both GeneratePayload (the payload's <c>spec.uri</c>) and Upload (the
/// key it writes, the URL it proves with an anonymous GET) derive from, so the two cannot disagree.
/// </summary>
public sealed record ObjectLocation(S3Settings S3, string Key)
{
    /// <summary>The key of an image's raw: <c>{prefix}/{registered name}.raw</c>.</summary>
    public static ObjectLocation ForImage(S3Settings s3, string registeredName) =>
        new(s3, s3.Prefix.Length == 0 ? $"{registeredName}.raw" : $"{s3.Prefix}/{registeredName}.raw");

    public string Bucket => S3.Bucket;

    /// <summary>
    /// The object's plain URL (no signature): path-style <c>{endpoint}/{bucket}/{key}</c>, or virtual-hosted
    /// <c>{scheme}://{bucket}.{host}/{key}</c>, as the SDK addresses it. A presigned URL is this plus a signed query.
    /// </summary>
    public Uri Url
    {
        get
        {
            var key = string.Join('/', Key.Split('/').Select(Uri.EscapeDataString));
            if (S3.PathStyle)
            {
                return new Uri(S3.Endpoint, $"{S3.Bucket}/{key}");
            }

            var builder = new UriBuilder(S3.Endpoint) { Host = $"{S3.Bucket}.{S3.Endpoint.Host}", Path = "/" + key };
            return builder.Uri;
        }
    }

    /// <summary>s3://bucket/key, for messages.</summary>
    public override string ToString() => $"s3://{S3.Bucket}/{Key}";
}
