namespace GpuImageBuilder.Build.Parameters;

/// <summary>A base image other than the template's pinned default; null location means "the template's".</summary>
public sealed record BaseImageSource(string Location, string Checksum);

/// <summary>The build VM, every value parsed and checked when the parameters were built.</summary>
/// <param name="StallTimeout">No serial or progress output for this long: the VM is stalled (stopped, retried once).</param>
public sealed record VmSettings(string Accelerator, int MemoryMiB, int Cpus, string DiskSize, long DiskSizeBytes, TimeSpan Timeout, TimeSpan StallTimeout);

/// <summary>
/// Where raw images go (<see cref="BuildParameters.RequireS3"/>). <see cref="Endpoint"/> is AWS S3 of
/// <see cref="Region"/> when no endpoint was given. Holds no credential: a dry run needs the location only.
/// </summary>
public sealed record S3Settings(Uri Endpoint, string Bucket, string Prefix, string Region, bool PathStyle);

/// <summary>The S3 keys (<see cref="BuildParameters.RequireS3Credentials"/>). ToString never shows them.</summary>
public sealed record S3Credentials(string AccessKey, string SecretKey)
{
    public override string ToString() => "S3Credentials { AccessKey = (set), SecretKey = (set) }";
}

/// <summary>
/// The region service (<see cref="BuildParameters.RequireRegion"/>): where images are registered. Holds no
/// credential: a dry run says what it would send without a token.
/// </summary>
public sealed record RegionSettings(Uri BaseUrl, Guid OrganizationId, Guid RegionId);

/// <summary>The region service's token (<see cref="BuildParameters.RequireRegionCredentials"/>). ToString never shows it.</summary>
public sealed record RegionCredentials(string Token)
{
    public override string ToString() => "RegionCredentials { Token = (set) }";
}
