using System.Text.Json;
using GpuImageBuilder.RegionEmulator.Access;
using GpuImageBuilder.RegionEmulator.Faults;
using GpuImageBuilder.RegionEmulator.Hosting;
using GpuImageBuilder.RegionEmulator.Images;

namespace GpuImageBuilder.RegionEmulator.Api;

/// <summary>The image routes of the spec: v1 create, delete and the hidden v1 list; the v2 list.</summary>
public static class ImageEndpoints
{
    private const string V1Images = "/api/v1/organizations/{organizationID}/regions/{regionID}/images";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost(V1Images, CreateAsync);
        app.MapGet(V1Images, ListReady);
        app.MapDelete(V1Images + "/{imageID}", Delete);
        app.MapGet("/api/v2/regions/{regionID}/images", Query);
    }

    private static async Task<IResult> CreateAsync(
        HttpContext context, string organizationID, string regionID, ImageCreation creation, FaultInjector faults)
    {
        // The service authenticates before its OpenAPI middleware checks the body, and authorizes after.
        if (Unauthenticated(context) is { } unauthenticated)
        {
            return unauthenticated;
        }

        JsonDocument? body;
        try
        {
            body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            body = null;
        }

        using (body)
        {
            if (creation.ReadRequest(body, out var request) is { } invalid)
            {
                return invalid;
            }

            if (Refused(context, organizationID, regionID, ImagePermission.Create) is { } refused)
            {
                return refused;
            }

            var (error, image) = await creation.CreateAsync(request, organizationID, context.RequestAborted);
            if (error is not null)
            {
                return error;
            }

            if (faults.Take(HttpMethods.Post, FaultKind.DropAfterCreate) is not null)
            {
                RequestJournal.Drop(context);
                return Results.Empty;
            }

            return Results.Ok(image!.ToRead());
        }
    }

    // The hidden v1 list: ready images the organization can use (its own and the global ones).
    private static IResult ListReady(HttpContext context, string organizationID, string regionID, ImageStore images) =>
        Refused(context, organizationID, regionID, ImagePermission.Read)
        ?? Results.Ok(images.Listed()
            .Where(i => i.State == ImageState.Ready && i.VisibleTo([organizationID]))
            .Select(i => i.ToRead()));

    private static IResult Delete(HttpContext context, string organizationID, string regionID, string imageID, ImageStore images)
    {
        if (Refused(context, organizationID, regionID, ImagePermission.Delete) is { } refused)
        {
            return refused;
        }

        if (!Guid.TryParse(imageID, out var id))
        {
            return RegionErrors.BadRequest($"imageID '{imageID}' is not a UUID");
        }

        // Another organization's image, or a global one, is "not found" to this organization, as in the service.
        var image = images.Get(id);
        if (image is null || image.OrganizationId != organizationID)
        {
            return RegionErrors.NotFound("the requested resource does not exist");
        }

        if (image.InUse)
        {
            return RegionErrors.Conflict("image is still in use by another resource");
        }

        images.Remove(id);
        return Results.Accepted();
    }

    private static IResult Query(HttpContext context, string regionID, ImageQuery query) => query.Run(context, regionID);

    private static IResult? Unauthenticated(HttpContext context)
    {
        var token = BearerToken.From(context.Request);
        return token is null || !context.RequestServices.GetRequiredService<TokenGrants>().IsKnown(token) ? RegionErrors.Unauthorized() : null;
    }

    /// <summary>The 401, 403 or 404 a v1 route answers before it does anything.</summary>
    private static IResult? Refused(HttpContext context, string organizationId, string regionId, ImagePermission needed)
    {
        if (Unauthenticated(context) is { } unauthenticated)
        {
            return unauthenticated;
        }

        var services = context.RequestServices;
        var token = BearerToken.From(context.Request)!;
        if (!services.GetRequiredService<TokenGrants>().Allows(token, organizationId, needed))
        {
            return RegionErrors.Forbidden(
                $"user credentials do not have the required privileges (region:images {needed.ToString().ToLowerInvariant()} in organization {organizationId})");
        }

        return services.GetRequiredService<RegionCatalog>().Exists(regionId) ? null : RegionErrors.NotFound($"region {regionId} not found");
    }
}
