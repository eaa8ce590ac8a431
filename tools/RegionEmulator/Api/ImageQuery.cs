using GpuImageBuilder.RegionEmulator.Access;
using GpuImageBuilder.RegionEmulator.Hosting;
using GpuImageBuilder.RegionEmulator.Images;

namespace GpuImageBuilder.RegionEmulator.Api;

/// <summary>
/// GET /api/v2/regions/{regionID}/images with the service's semantics (QueryImages): organizationID (repeatable)
/// names organizations, each silently dropped unless the token may read images there; none named means global
/// images only; scope=owned keeps the named organizations' own images, scope=available (default) adds the global
/// ones; status (repeatable) keeps those states.
/// </summary>
public sealed class ImageQuery(TokenGrants grants, RegionCatalog regions, ImageStore images)
{
    private static readonly string[] Scopes = ["owned", "available"];
    private static readonly string[] States = ["pending", "creating", "ready", "failed"];

    public IResult Run(HttpContext context, string regionId)
    {
        var token = BearerToken.From(context.Request);
        if (token is null || !grants.IsKnown(token))
        {
            return RegionErrors.Unauthorized();
        }

        var query = context.Request.Query;
        var scope = query["scope"].ToString();
        if (scope.Length > 0 && !Scopes.Contains(scope))
        {
            return RegionErrors.BadRequest($"parameter \"scope\" in query has an error: value {scope} is not one of the allowed values [owned available]");
        }

        var statuses = query["status"].Select(s => s ?? "").ToList();
        if (statuses.FirstOrDefault(s => !States.Contains(s)) is { } badStatus)
        {
            return RegionErrors.BadRequest($"parameter \"status\" in query has an error: value {badStatus} is not one of the allowed values [pending creating ready failed]");
        }

        if (!regions.Exists(regionId))
        {
            return RegionErrors.NotFound($"region {regionId} not found");
        }

        var named = query.ContainsKey("organizationID");
        var readable = query["organizationID"]
            .Where(org => org is not null && grants.Allows(token, org, ImagePermission.Read))
            .Select(org => org!)
            .ToHashSet(StringComparer.Ordinal);
        var owned = named && scope == "owned";

        var listed = images.Listed()
            .Where(i => owned ? i.OwnedByAnyOf(readable) : i.VisibleTo(readable))
            .Where(i => statuses.Count == 0 || statuses.Contains(i.State.ToString().ToLowerInvariant()))
            .Select(i => i.ToRead());
        context.Response.Headers.CacheControl = "no-cache";
        return Results.Ok(listed);
    }
}
