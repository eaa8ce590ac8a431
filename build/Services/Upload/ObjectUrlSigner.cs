using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Publishing;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>
/// Register's presigner for <c>--s3-url-mode=presigned</c>: the same <see cref="PublishedUrls"/> Upload proved the URL
/// with, with the run's S3 credentials (parameters, or the SDK's chain). Signing is local: nothing is sent.
/// </summary>
public sealed class ObjectUrlSigner(PublishedUrls urls, S3ClientFactory clients, BuildParameters parameters) : IObjectUrlSigner
{
    public Uri Sign(ObjectLocation location, TimeSpan expiry)
    {
        using var client = clients.Create(location.S3, parameters.S3Credentials);
        return urls.Presign(client, location, expiry).Url;
    }
}
