using GpuImageBuilder.RegionEmulator.Api;

namespace GpuImageBuilder.RegionEmulator.Images;

/// <summary>The image lifecycle the API reports (imageState); Glance's queued/importing/active/killed map onto it.</summary>
public enum ImageState
{
    Pending,
    Creating,
    Ready,
    Failed,
}

/// <summary>
/// One image as the emulated Glance holds it. OrganizationId null is a global image (visible to everyone, owned by
/// no one). InUse stands for "a server boots from it", which makes DELETE answer 409.
/// </summary>
public sealed record StoredImage(
    Guid Id,
    string Name,
    string? OrganizationId,
    DateTimeOffset Created,
    ImageCreateSpec Spec,
    IReadOnlyList<Tag> Tags,
    ImageState State,
    long SizeGiB,
    bool InUse,
    string? FailureReason)
{
    // Tag names the service sets on every imported image (pkg/constants: the image-origin contract).
    public const string SourceTag = "images.unikorn-cloud.org:source";
    public const string OrganizationTag = "images.unikorn-cloud.org:organization-id";

    public ImageRead ToRead() => new(
        new StaticResourceMetadata(Id.ToString(), Name, Tags.Count == 0 ? null : Tags, Created),
        new ImageSpec(Spec.Architecture, SizeGiB, Spec.Virtualization, Spec.Os, Spec.SoftwareVersions, Spec.Gpu),
        new ImageStatus(State.ToString().ToLowerInvariant()));

    public bool VisibleTo(IReadOnlyCollection<string> organizations) =>
        OrganizationId is null || organizations.Contains(OrganizationId);

    public bool OwnedByAnyOf(IReadOnlyCollection<string> organizations) =>
        OrganizationId is not null && organizations.Contains(OrganizationId);
}
