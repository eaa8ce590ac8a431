using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Region;

namespace GpuImageBuilder.Build.Services.Register;

/// <summary>
/// What Register needs from the parameters, checked before any task ran. <see cref="Credentials"/> is null in a dry
/// run (nothing is sent, no token is needed); <see cref="S3"/> is where the raw is, for presigning its URL.
/// </summary>
public sealed record RegisterOptions(
    RegionSettings Region,
    RegionCredentials? Credentials,
    RegisterSettings Wait,
    ObjectUrlMode UrlMode,
    TimeSpan PresignExpiry,
    S3Settings? S3,
    bool DryRun,
    RegionClientOptions Http)
{
    public static RegisterOptions From(BuildParameters parameters) => new(
        parameters.RequireRegion(),
        parameters.DryRun ? null : parameters.RequireRegionCredentials(),
        parameters.Register,
        parameters.Upload.UrlMode,
        parameters.Upload.PresignExpiry,
        parameters.RequireS3(),
        parameters.DryRun,
        Bounded(RegionClientOptions.Default, parameters.Register.Timeout));

    /// <summary>No single region call may outlast the whole wait Register is allowed (--register-timeout).</summary>
    public static RegionClientOptions Bounded(RegionClientOptions http, TimeSpan registerTimeout) => http with
    {
        AttemptTimeout = registerTimeout < http.AttemptTimeout ? registerTimeout : http.AttemptTimeout,
        TotalTimeout = registerTimeout < http.TotalTimeout ? registerTimeout : http.TotalTimeout,
    };
}
