using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>An upload that failed, with one line saying what to fix. Never carries a key, a secret or a signed URL.</summary>
public sealed class UploadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What kind of failure an S3 call ended in: decides retry, keep-for-resume, and the one line shown.</summary>
public enum S3FailureKind
{
    /// <summary>Connection refused/reset, DNS, 5xx, SlowDown: worth retrying, and the upload is kept for a resume.</summary>
    Transient,

    /// <summary>A request ran past its time limit: retried like a transient failure, reported as a timeout.</summary>
    Timeout,

    /// <summary>Credentials, bucket, permission: retrying cannot help; the user must fix an input.</summary>
    Permanent,
}

/// <summary>Classifies S3 failures and writes their one line (server messages are left out: RGW's may echo the key id).</summary>
public static class S3Failure
{
    public static S3FailureKind Classify(Exception ex, CancellationToken cancellation)
    {
        if (IsTimeout(ex, cancellation))
        {
            return S3FailureKind.Timeout;
        }

        if (Find<AmazonServiceException>(ex) is { } service && service.StatusCode != 0)
        {
            var status = (int)service.StatusCode;
            if (service.ErrorCode is "NotImplemented")
            {
                return S3FailureKind.Permanent;
            }

            return status >= 500 || status == 429 || service.ErrorCode is "SlowDown" or "RequestTimeout" or "InternalError"
                ? S3FailureKind.Transient
                : S3FailureKind.Permanent;
        }

        return Find<HttpRequestException>(ex) is not null || Find<SocketException>(ex) is not null || Find<IOException>(ex) is not null
            ? S3FailureKind.Transient
            : S3FailureKind.Permanent;
    }

    /// <summary>An HttpClient/SDK timeout is an OperationCanceledException too; it is a timeout when nobody cancelled.</summary>
    public static bool IsTimeout(Exception ex, CancellationToken cancellation) =>
        !cancellation.IsCancellationRequested && (Find<TimeoutException>(ex) is not null || Find<OperationCanceledException>(ex) is not null);

    /// <summary>The one line for <paramref name="ex"/>, naming the input to fix.</summary>
    public static string Describe(Exception ex, S3Settings s3, string what, CancellationToken cancellation)
    {
        var where = $"{s3.Endpoint} (--s3-endpoint)";
        if (IsTimeout(ex, cancellation))
        {
            return $"{what}: S3 request timed out at {where} after retries; the link is too slow or the server hangs (run Upload again to resume)";
        }

        if (Find<AmazonS3Exception>(ex) is { } s3Error && s3Error.StatusCode != 0)
        {
            return s3Error.ErrorCode switch
            {
                "InvalidAccessKeyId" => $"{what}: S3 at {where} does not know the access key: check --s3-access-key (AWS_ACCESS_KEY_ID) or the AWS credential chain",
                "SignatureDoesNotMatch" => $"{what}: S3 at {where} rejected the request signature: check --s3-secret-key (AWS_SECRET_ACCESS_KEY) for this access key, and --s3-region",
                "NoSuchBucket" => $"{what}: bucket '{s3.Bucket}' does not exist at {where}: create it or fix --s3-bucket",
                "AccessDenied" or "Forbidden" or "" or null when s3Error.StatusCode == HttpStatusCode.Forbidden || s3Error.ErrorCode == "AccessDenied" => $"{what}: access denied to s3://{s3.Bucket}: the credentials lack permission (s3:PutObject, s3:GetObject, s3:ListBucketMultipartUploads, s3:PutObjectAcl for public)",
                "AuthorizationHeaderMalformed" => $"{what}: S3 at {where} rejected the signing region: check --s3-region",
                _ => $"{what}: S3 at {where} answered {(int)s3Error.StatusCode} {s3Error.ErrorCode}".TrimEnd(),
            };
        }

        if (Find<SocketException>(ex) is { } socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => $"{what}: cannot connect to {where}: connection refused; is the S3 server running and the endpoint right?",
                SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => $"{what}: cannot resolve the host of {where}",
                _ => $"{what}: connection to {where} failed ({socket.SocketErrorCode}); run Upload again to resume",
            };
        }

        if (Find<HttpRequestException>(ex) is { } http)
        {
            return $"{what}: connection to {where} failed ({http.HttpRequestError}); run Upload again to resume";
        }

        if (Find<IOException>(ex) is not null)
        {
            return $"{what}: the connection to {where} was dropped; run Upload again to resume";
        }

        if (ex is AmazonClientException && ex.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase))
        {
            return $"{what}: no S3 credentials found: set --s3-access-key and --s3-secret-key, or configure the AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID)";
        }

        return $"{what}: {ex.GetType().Name}";
    }

    public static T? Find<T>(Exception? ex)
        where T : Exception
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }

            if (e is AggregateException { InnerExceptions.Count: > 0 } aggregate && Find<T>(aggregate.InnerExceptions[0]) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }

    public static bool IsNotFound(Exception ex) =>
        Find<AmazonServiceException>(ex) is { StatusCode: HttpStatusCode.NotFound };
}
