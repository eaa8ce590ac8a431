using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Services.Region;

/// <summary>
/// The one line for each way the region refuses a call: what it said (its <c>error_description</c>) and what to fix.
/// 403 depends on the call: a token that may list images but not create them lacks image permissions there.
/// </summary>
public static class RegionFailures
{
    public static RegionException Refused(RegionRequest request, RegionSettings region, int status, RegionErrorBody? body, string? imageUri)
    {
        var said = body?.ErrorDescription is { Length: > 0 } d ? $"{status} {body.Error}: {d}" : $"{status}";
        var what = request.Operation;
        var message = status switch
        {
            400 when request.Kind == RegionOperation.CreateImage =>
                $"the region refused to {what} as invalid ({said}): fix the payload (output/<image>/payload.json, made by GeneratePayload) and run again",
            400 => $"the region refused to {what} ({said}): the request does not match the region's API version; check --region-url ({Env.RegionUrl})",
            401 => $"the region rejected the token ({said}): it is invalid or expired; set a valid service-account token in {Env.Token} (--{Arg.Token})",
            403 when request.Kind == RegionOperation.CreateImage =>
                $"the token may not create images in organization {region.OrganizationId} ({said}): its service account lacks image permissions (region:images create) there; grant them or use a token of that organization",
            403 when request.Kind == RegionOperation.DeleteImage =>
                $"the token may not delete images in organization {region.OrganizationId} ({said}): grant its service account region:images delete there, or delete the old image by hand",
            403 => $"the token may not read images in organization {region.OrganizationId} ({said}): check --{Arg.OrganizationId} ({Env.OrganizationId}) and the service account's permissions",
            404 when request.Kind == RegionOperation.DeleteImage =>
                $"the region does not know the image to {what} ({said}): it may have been deleted meanwhile, or --{Arg.OrganizationId} {region.OrganizationId} / --{Arg.RegionId} {region.RegionId} is wrong",
            404 => $"organization {region.OrganizationId} or region {region.RegionId} not found ({said}): check --{Arg.OrganizationId} ({Env.OrganizationId}) and --{Arg.RegionId} ({Env.RegionId})",
            409 when request.Kind == RegionOperation.DeleteImage =>
                $"cannot {what}: it is in use ({said}): servers boot from it; delete those servers first, or register under a new --{Arg.ImageVersion} instead of --{Arg.Replace}",
            409 => $"the region refused to {what}: conflict ({said}); look at the organization's images (--target=ApiCheck)",
            422 => $"the region could not {what}: it could not read the first 512 bytes at {imageUri ?? "spec.uri"} or found no boot signature 55 AA there ({said}); check --{Arg.S3UrlMode} (public needs a public-read object, presigned a valid signature) and the object's ACL",
            >= 500 => $"the region failed to {what} with an internal error ({said}{(body?.TraceId is { Length: > 0 } t ? $", trace id {t}" : string.Empty)}), after retries: try again later; if it persists give the trace id to the region's operators",
            _ => $"the region answered {what} with HTTP {said}, which the build does not expect",
        };
        return new RegionException(message, status);
    }
}
