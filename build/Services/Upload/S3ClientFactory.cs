using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>
/// Makes the S3 client for one location: AWS itself (region endpoint) or any S3-compatible server (ServiceURL,
/// signing region, path style). Keys from the parameters, or null for the SDK's standard chain (environment,
/// AWS_PROFILE / shared files, instance role): a plain <c>new AmazonS3Client(config)</c> resolves it in SDK v4
/// (<c>DefaultAWSCredentialsIdentityResolver</c>).
/// </summary>
public sealed class S3ClientFactory
{
    /// <summary>
    /// The SDK's own retries per request. Kept low: the engine retries parts itself (with backoff, and not on 4xx), so
    /// a wrong key gives one clear line instead of a storm of signed requests.
    /// </summary>
    public const int SdkRetries = 1;

    /// <summary>Longest a single request may take (a 64 MiB part on a slow link included) before it is a timeout.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(10);

    public IAmazonS3 Create(S3Settings s3, S3Credentials? credentials)
    {
        var config = Config(s3);
        return credentials is null
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(credentials.AccessKey, credentials.SecretKey), config);
    }

    public static AmazonS3Config Config(S3Settings s3)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = s3.PathStyle,
            // S3-compatible servers (RGW, Swift) reject the SDK's default trailing checksums with 400
            // XAmzContentSHA256Mismatch; integrity is Content-MD5 per part plus our own SHA-256 check instead.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = SdkRetries,
            Timeout = RequestTimeout,
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        if (IsAws(s3.Endpoint))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(s3.Region);
        }
        else
        {
            config.ServiceURL = s3.Endpoint.ToString();
            config.AuthenticationRegion = s3.Region;
            config.UseHttp = s3.Endpoint.Scheme == Uri.UriSchemeHttp;
        }

        return config;
    }

    /// <summary>AWS's own S3 (the default when no endpoint was given): addressed by region, not by URL.</summary>
    public static bool IsAws(Uri endpoint) => endpoint.Host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase);
}
