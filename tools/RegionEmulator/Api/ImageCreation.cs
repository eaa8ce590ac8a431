using System.Text.Json;
using GpuImageBuilder.RegionContract;
using GpuImageBuilder.RegionEmulator.Images;
using GpuImageBuilder.RegionEmulator.Import;

namespace GpuImageBuilder.RegionEmulator.Api;

/// <summary>
/// POST .../images after authentication and authorization, in the service's order: the body against the spec's
/// imageCreate schema (400, the OpenAPI middleware), the boot sector of spec.uri (422), the stored-image rules
/// (see <see cref="ImageCreateRules"/>), then the image is created pending and its import starts in the background.
/// </summary>
public sealed class ImageCreation(
    ContractSchemas schemas,
    ImageCreateRules rules,
    BootSectorProbe probe,
    ImageStore images,
    ImageImporter importer,
    TimeProvider clock,
    IHostApplicationLifetime lifetime)
{
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    /// <summary>The request, read and checked against the schema; or the 400 that says why not.</summary>
    public IResult? ReadRequest(JsonDocument? body, out ImageCreateRequest request)
    {
        request = null!;
        if (body is null)
        {
            return RegionErrors.BadRequest("request body invalid: not a JSON document");
        }

        var failures = ContractSchemas.Failures(schemas.Component("imageCreate"), body.RootElement);
        if (failures.Count > 0)
        {
            return RegionErrors.BadRequest("request body invalid: " + string.Join("; ", failures));
        }

        request = body.RootElement.Deserialize<ImageCreateRequest>(Wire)
            ?? throw new JsonException("imageCreate deserialised to null");
        return null;
    }

    public async Task<(IResult? Error, StoredImage? Image)> CreateAsync(
        ImageCreateRequest request, string organizationId, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(request.Spec.Uri, UriKind.Absolute, out var source) || source.Scheme is not ("http" or "https"))
        {
            return (RegionErrors.Unprocessable("Image read failed, please ensure the URL is correct"), null);
        }

        if (await probe.CheckAsync(source, cancellationToken) is { } refused)
        {
            return (refused, null);
        }

        var broken = rules.Failures(JsonSerializer.SerializeToElement(request, Wire), organizationId);
        if (broken.Count > 0)
        {
            return (RegionErrors.BadRequest("request body invalid: " + string.Join("; ", broken)), null);
        }

        var image = new StoredImage(
            Guid.NewGuid(), request.Metadata.Name, organizationId, clock.GetUtcNow(), request.Spec,
            Tags(request, organizationId), ImageState.Pending, SizeGiB: 0, InUse: false, FailureReason: null);
        images.Add(image);
        importer.Start(image.Id, source, lifetime.ApplicationStopping);
        return (null, image);
    }

    // The user's tags plus the provenance tags the service adds, sorted by name as its conversion sorts them.
    private static List<Tag> Tags(ImageCreateRequest request, string organizationId)
    {
        var tags = (request.Metadata.Tags ?? []).ToDictionary(t => t.Name, t => t.Value, StringComparer.Ordinal);
        tags[StoredImage.SourceTag] = "import";
        tags[StoredImage.OrganizationTag] = organizationId;
        return tags.Select(t => new Tag(t.Key, t.Value)).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }
}
