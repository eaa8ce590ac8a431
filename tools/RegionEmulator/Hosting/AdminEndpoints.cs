using GpuImageBuilder.RegionEmulator.Faults;
using GpuImageBuilder.RegionEmulator.Images;

namespace GpuImageBuilder.RegionEmulator.Hosting;

/// <summary>
/// The emulator's own controls under /_emulator (not part of the region's API, no token: it listens on 127.0.0.1
/// only): arm faults, mark an image in use, read the request journal and every image with its failure reason.
/// </summary>
public static class AdminEndpoints
{
    public const string Prefix = "/_emulator";

    public sealed record FaultRequest(string Kind, int Count, string? Method, int? RetryAfterSeconds);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost(Prefix + "/faults", (FaultRequest request, FaultInjector faults) =>
        {
            FaultKind? kind = request.Kind switch
            {
                "unavailable" => FaultKind.Unavailable,
                "throttle" => FaultKind.Throttle,
                "drop-after-create" => FaultKind.DropAfterCreate,
                _ => null,
            };
            if (kind is null || request.Count <= 0)
            {
                return Results.BadRequest($"kind must be unavailable, throttle or drop-after-create and count at least 1; got '{request.Kind}', {request.Count}");
            }

            faults.Arm(new Fault(kind.Value, request.Count, kind == FaultKind.DropAfterCreate ? "POST" : request.Method,
                request.RetryAfterSeconds ?? 1));
            return Results.NoContent();
        });
        app.MapDelete(Prefix + "/faults", (FaultInjector faults) =>
        {
            faults.Clear();
            return Results.NoContent();
        });
        app.MapPut(Prefix + "/images/{id:guid}/in-use", (Guid id, ImageStore images) => SetInUse(images, id, true));
        app.MapDelete(Prefix + "/images/{id:guid}/in-use", (Guid id, ImageStore images) => SetInUse(images, id, false));
        app.MapGet(Prefix + "/images", (ImageStore images) => Results.Ok(images.All().Select(i => new
        {
            image = i.ToRead(),
            organizationId = i.OrganizationId,
            uri = i.Spec.Uri,
            inUse = i.InUse,
            failureReason = i.FailureReason,
        })));
        app.MapGet(Prefix + "/requests", (RequestJournal journal) => Results.Ok(journal.Entries));
    }

    private static IResult SetInUse(ImageStore images, Guid id, bool inUse) =>
        images.Update(id, i => i with { InUse = inUse }) is null ? Results.NotFound() : Results.NoContent();
}
