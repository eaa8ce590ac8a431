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

/// <summary>How the region is given the raw image: a public object URL or a presigned GET URL.</summary>
public enum ObjectUrlMode
{
    /// <summary>The object is public-read; the URL carries no secret.</summary>
    Public,

    /// <summary>A SigV4 presigned GET URL, made when registering; its query string is a secret in logs.</summary>
    Presigned,
}

/// <summary>How Upload sends the raw and how the region will fetch it.</summary>
/// <param name="PartSize">Multipart part size in bytes (5 MiB to 5 GiB).</param>
/// <param name="Parallelism">Parts in flight at once.</param>
/// <param name="UrlMode">Public object or presigned URL.</param>
/// <param name="PresignExpiry">Lifetime of a presigned URL.</param>
public sealed record UploadSettings(long PartSize, int Parallelism, ObjectUrlMode UrlMode, TimeSpan PresignExpiry);

/// <summary>How Register waits for the region's import.</summary>
/// <param name="PollInterval">Time between reads of the owned-image list.</param>
/// <param name="Timeout">Longest wait for ready.</param>
/// <param name="Replace">Delete an owned image of the same name but other content, then register.</param>
public sealed record RegisterSettings(TimeSpan PollInterval, TimeSpan Timeout, bool Replace);

/// <summary>
/// The S3 keys given as parameters (<see cref="BuildParameters.S3Credentials"/>); when none were given the AWS SDK's
/// standard chain finds them (profile, environment, instance role). ToString never shows them.
/// </summary>
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

/// <summary>
/// How VerifyInstance reaches a booted instance (<see cref="BuildParameters.RequireInstance"/>), every value checked
/// when the parameters were built.
/// </summary>
/// <param name="Key">A private key file; null: the user's ssh config and agent decide.</param>
/// <param name="KnownHosts">A known_hosts file instead of ~/.ssh/known_hosts; null: the user's.</param>
/// <param name="Registry">The registry as the instance reaches it; null: the lock file's.</param>
/// <param name="Payload">The payload of the image the instance runs.</param>
public sealed record InstanceSettings(
    string Host,
    string User,
    int Port,
    string? Key,
    string? KnownHosts,
    TimeSpan ConnectTimeout,
    TimeSpan CommandTimeout,
    bool ExpectGpu,
    string? Registry,
    string Payload,
    string LockFile,
    string WorkloadManifest);

/// <summary>
/// What Build/PublishValidationImages need besides the registry (<see cref="BuildParameters.RequireContainerImages"/>).
/// </summary>
/// <param name="Engine">auto, podman or docker.</param>
/// <param name="LockFile">Where PublishValidationImages writes images.lock.json (VerifyInstance reads it).</param>
/// <param name="WorkloadManifest">Where PublishValidationImages writes workloads.json.</param>
/// <param name="WorkDirectory">output/validation-images: cached bases, staged build contexts, built.json.</param>
public sealed record ContainerImageSettings(string Engine, string LockFile, string WorkloadManifest, string WorkDirectory);

/// <summary>An OCI registry to push to: <see cref="Host"/> is host[:port], <see cref="Path"/> the optional repository prefix.</summary>
public sealed record RegistryAddress(string Host, string Path)
{
    public static RegistryAddress Parse(string value)
    {
        var slash = value.IndexOf('/');
        return slash < 0 ? new(value, string.Empty) : new(value[..slash], value[(slash + 1)..].Trim('/'));
    }

    /// <summary>The repository for one image: host[:port]/[path/]name.</summary>
    public string Repository(string name) => Path.Length == 0 ? $"{Host}/{name}" : $"{Host}/{Path}/{name}";

    public override string ToString() => Path.Length == 0 ? Host : $"{Host}/{Path}";
}

/// <summary>Where PublishValidationImages pushes (<see cref="BuildParameters.RequireRegistry"/>).</summary>
/// <param name="TlsVerify">false also allows plain HTTP (podman's --tls-verify=false).</param>
public sealed record RegistrySettings(RegistryAddress Address, bool TlsVerify);

/// <summary>A registry login. ToString never shows the password.</summary>
public sealed record RegistryCredentials(string Username, string Password)
{
    public override string ToString() => $"RegistryCredentials {{ Username = {Username}, Password = (set) }}";
}
