using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tests.Infrastructure;

/// <summary>A complete, well-formed set of inputs (made-up values), as command-line arguments.</summary>
public static class ValidInputs
{
    public const string Token = "svc-token-7Hq2Lx9Pz4Kw8Vn3Rt6Yb1Mc5Df0Gs";
    public const string AccessKey = "AKTESTKEY0123456789";
    public const string SecretKey = "s3-secret-Zm9vYmFyYmF6cXV4cXV1eA";

    public static string[] Region(bool withToken = true) =>
    [
        $"--{Arg.RegionUrl}=https://region.example.test",
        $"--{Arg.OrganizationId}=9a8b7c6d-1234-4e5f-8a9b-0c1d2e3f4a5b",
        $"--{Arg.RegionId}=c7568e2d-f9ab-453d-9a3a-51375f78426b",
        .. withToken ? new[] { $"--{Arg.Token}={Token}" } : [],
    ];

    public static string[] S3(bool withKeys = true) =>
    [
        $"--{Arg.S3Endpoint}=http://127.0.0.1:9",
        $"--{Arg.S3Bucket}=gpu-images",
        .. withKeys ? new[] { $"--{Arg.S3AccessKey}={AccessKey}", $"--{Arg.S3SecretKey}={SecretKey}" } : [],
    ];
}
