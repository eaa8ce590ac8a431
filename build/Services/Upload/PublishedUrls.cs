using Amazon.S3;
using Amazon.S3.Model;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Publishing;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>
/// The URL the region is given for an object: the plain URL (public mode) or a SigV4 presigned GET URL with an expiry.
/// The query string of a presigned URL is a secret: <see cref="ToString"/> and <see cref="ForLog"/> leave it out.
/// </summary>
public sealed record PublishedUrl(Uri Url, DateTimeOffset? ExpiresAt)
{
    public bool Presigned => ExpiresAt is not null;

    /// <summary>The URL without its query, plus "(presigned, expires …)": safe for any log.</summary>
    public string ForLog => Presigned
        ? $"{Url.GetLeftPart(UriPartial.Path)} (presigned, expires {ExpiresAt:yyyy-MM-dd HH:mm} UTC)"
        : Url.ToString();

    public override string ToString() => ForLog;
}

/// <summary>
/// Makes the URL the region fetches a raw from. Upload calls it to prove the URL with a Range GET; Register calls it at
/// send time (the payload file keeps only the plain URL, so no signature is ever written to disk).
/// </summary>
public sealed class PublishedUrls(S3ClientFactory clients, IBuildLog log)
{
    /// <summary>The region's own API tests wait up to an hour for an import; a shorter URL may expire mid-import.</summary>
    public static readonly TimeSpan ImportTime = TimeSpan.FromHours(1);

    /// <summary>The URL for <paramref name="location"/> in <paramref name="upload"/>'s mode (presigning needs credentials, local only).</summary>
    public PublishedUrl For(ObjectLocation location, UploadSettings upload, S3Credentials? credentials)
    {
        if (upload.UrlMode == ObjectUrlMode.Public)
        {
            return new PublishedUrl(location.Url, null);
        }

        using var client = clients.Create(location.S3, credentials);
        return Presign(client, location, upload.PresignExpiry);
    }

    /// <summary>A presigned GET URL valid for <paramref name="expiry"/>; warns when that is shorter than an import can take.</summary>
    public PublishedUrl Presign(IAmazonS3 client, ObjectLocation location, TimeSpan expiry)
    {
        if (expiry < ImportTime)
        {
            log.Warning($"presigned URL expiry {expiry} is shorter than the region's import can take ({ImportTime.TotalHours:0} h): the import may fail with 403; raise --s3-presign-expiry");
        }

        var expires = DateTime.UtcNow + expiry;
        var url = client.GetPreSignedURL(new GetPreSignedUrlRequest
        {
            BucketName = location.Bucket,
            Key = location.Key,
            Verb = HttpVerb.GET,
            Expires = expires,
            Protocol = location.S3.Endpoint.Scheme == Uri.UriSchemeHttp ? Protocol.HTTP : Protocol.HTTPS,
        });
        return new PublishedUrl(new Uri(url), new DateTimeOffset(expires, TimeSpan.Zero));
    }
}
