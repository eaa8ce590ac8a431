namespace GpuImageBuilder.Build.Parameters;

/// <summary>A base image other than the template's pinned default; null location means "the template's".</summary>
public sealed record BaseImageSource(string Location, string Checksum);

/// <summary>The build VM.</summary>
/// <param name="StallTimeout">No serial or progress output for this long: the VM is stalled (stopped, retried once).</param>
public sealed record VmSettings(string Accelerator, int MemoryMiB, int Cpus, string DiskSize, TimeSpan Timeout, TimeSpan StallTimeout)
{
    public long DiskSizeBytes => Rules.DiskSizeBytes(DiskSize);
}

/// <summary>Where raw images go. ToString never shows the keys.</summary>
public sealed record S3Settings(string? Endpoint, string? Bucket, string Prefix, string Region, bool PathStyle, string? AccessKey, string? SecretKey)
{
    public override string ToString() =>
        $"S3Settings {{ Endpoint = {Endpoint ?? "(AWS)"}, Bucket = {Bucket}, Prefix = {Prefix}, Region = {Region}, PathStyle = {PathStyle}, AccessKey = {(AccessKey is null ? "(unset)" : "(set)")}, SecretKey = {(SecretKey is null ? "(unset)" : "(set)")} }}";
}

/// <summary>The region service. ToString never shows the token.</summary>
public sealed record RegionSettings(string? BaseUrl, string? OrganizationId, string? RegionId, string? Token)
{
    public override string ToString() =>
        $"RegionSettings {{ BaseUrl = {BaseUrl}, OrganizationId = {OrganizationId}, RegionId = {RegionId}, Token = {(Token is null ? "(unset)" : "(set)")} }}";
}
