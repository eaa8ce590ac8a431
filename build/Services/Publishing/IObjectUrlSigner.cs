namespace GpuImageBuilder.Build.Services.Publishing;

/// <summary>
/// Makes a presigned GET URL for an object (S3 SigV4), for <c>--s3-url-mode=presigned</c>: Register puts it in the
/// payload's <c>spec.uri</c> at send time. The URL's query string is a secret: never log it. Implemented by the
/// Upload side (it holds the S3 credentials).
/// </summary>
public interface IObjectUrlSigner
{
    Uri Sign(ObjectLocation location, TimeSpan expiry);
}
