using Amazon.S3;
using Amazon.S3.Model;
using GpuImageBuilder.Build.Services.Publishing;
using Polly;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>
/// The all-zero object zero parts are copied from: <c>{prefix}/.zero/{partSize}</c> in the image's bucket, made once
/// per part size (its cost, one part sent, is paid on the first upload only). A shorter last part copies a range of it.
/// </summary>
public sealed class ZeroObject(IAmazonS3 client, ResiliencePipeline retry, UploadCounters counters)
{
    public static string KeyFor(ObjectLocation image, long partSize)
    {
        var prefix = image.S3.Prefix;
        return prefix.Length == 0 ? $".zero/{partSize}" : $"{prefix}/.zero/{partSize}";
    }

    /// <summary>Makes sure the zero object of <paramref name="partSize"/> bytes is there; returns its key.</summary>
    public async Task<string> EnsureAsync(ObjectLocation image, long partSize, CancellationToken cancellation)
    {
        var key = KeyFor(image, partSize);
        var expectedEtag = Convert.ToHexStringLower(PartData.ZeroPartMd5(partSize));
        try
        {
            counters.AddRequest();
            var head = await client.GetObjectMetadataAsync(image.Bucket, key, cancellation);
            if (head.ContentLength == partSize && head.ETag.Trim('"') == expectedEtag)
            {
                return key;
            }
        }
        catch (AmazonS3Exception ex) when (S3Failure.IsNotFound(ex))
        {
        }

        var zero = PartData.Read(null!, new PlannedPart(1, 0, partSize, HasData: false));
        using (zero)
        {
            await retry.ExecuteAsync(async ct =>
            {
                counters.AddRequest();
                using var body = zero.OpenRead();
                await client.PutObjectAsync(new PutObjectRequest { BucketName = image.Bucket, Key = key, InputStream = body, MD5Digest = zero.Md5Base64, AutoCloseStream = false }, ct);
            }, cancellation);
        }

        counters.AddSent(partSize);
        return key;
    }
}
