using System.Net;
using System.Net.Http.Headers;
using Amazon.S3;
using Amazon.S3.Model;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Publishing;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>
/// Proves an uploaded object is the image, the way the region will see it: HeadObject shows the size and the metadata
/// SHA-256 from Checksum, and an anonymous Range GET of bytes 0-511 through the published URL (public, or presigned)
/// answers 206/200 with a boot sector ending in 55 AA.
/// </summary>
public sealed class UploadVerifier(IAmazonS3 client, PublishedUrls urls, IBuildLog log)
{
    public static readonly TimeSpan GetTimeout = TimeSpan.FromSeconds(60);

    public async Task<UploadedObject> VerifyAsync(ObjectLocation location, long size, string sha256, UploadSettings upload, CancellationToken cancellation)
    {
        var head = await client.GetObjectMetadataAsync(location.Bucket, location.Key, cancellation);
        var storedSha = head.Metadata["sha256"];
        if (head.ContentLength != size || storedSha != sha256)
        {
            throw new UploadException($"{location}: after the upload S3 shows {head.ContentLength} bytes, sha256 {storedSha ?? "(none)"}; expected {size} bytes, sha256 {sha256}: delete the object and run Upload again");
        }

        PublishedUrl url;
        if (upload.UrlMode == ObjectUrlMode.Public)
        {
            await MakePublicAsync(location, cancellation);
            url = new PublishedUrl(location.Url, null);
        }
        else
        {
            url = urls.Presign(client, location, upload.PresignExpiry);
        }

        await CheckBootSectorAsync(url, upload.UrlMode, cancellation);
        log.Information($"{location}: verified (size, sha256; boot sector 55 AA through {url.ForLog})");
        return new UploadedObject(location.Bucket, location.Key, location.Url, head.ContentLength, sha256, BootSectorVerified: true, DateTimeOffset.UtcNow);
    }

    /// <summary>Public-read ACL; a bucket with ACLs disabled may still be public by policy, which the GET then shows.</summary>
    private async Task MakePublicAsync(ObjectLocation location, CancellationToken cancellation)
    {
        try
        {
            await client.PutObjectAclAsync(new PutObjectAclRequest { BucketName = location.Bucket, Key = location.Key, ACL = S3CannedACL.PublicRead }, cancellation);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "AccessControlListNotSupported")
        {
            log.Verbose($"{location}: the bucket has ACLs disabled; relying on its policy for public read");
        }
    }

    private static async Task CheckBootSectorAsync(PublishedUrl url, ObjectUrlMode mode, CancellationToken cancellation)
    {
        using var http = new HttpClient { Timeout = GetTimeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, url.Url);
        request.Headers.Range = new RangeHeaderValue(0, 511);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        }
        catch (Exception ex) when (ex is HttpRequestException || S3Failure.IsTimeout(ex, cancellation))
        {
            throw new UploadException($"range GET of {url.ForLog} failed ({(ex is HttpRequestException h ? h.HttpRequestError.ToString() : "timeout")}): the region could not fetch it either");
        }

        using (response)
        {
            if (response.StatusCode is not (HttpStatusCode.PartialContent or HttpStatusCode.OK))
            {
                var hint = mode == ObjectUrlMode.Public
                    ? "the object is not publicly readable: allow public-read ACLs or a public bucket policy, or use --s3-url-mode=presigned"
                    : "the presigned URL was refused: check the clock, --s3-region and the credentials' s3:GetObject permission";
                throw new UploadException($"anonymous range GET of {url.ForLog} answered {(int)response.StatusCode}: {hint}");
            }

            var bytes = new byte[512];
            await using var body = await response.Content.ReadAsStreamAsync(cancellation);
            var read = await body.ReadAtLeastAsync(bytes, 512, throwOnEndOfStream: false, cancellation);
            if (read < 512 || bytes[510] != 0x55 || bytes[511] != 0xAA)
            {
                throw new UploadException($"range GET of {url.ForLog}: the first 512 bytes ({read} read) do not end in 55 AA: the object is not a bootable raw image");
            }
        }
    }
}
