using System.Text.RegularExpressions;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;

namespace GpuImageBuilder.Build.Services.Publishing;

/// <summary>What a payload takes from the parameters: the registered name, the GPU models, the Ubuntu release.</summary>
public sealed record PayloadParameters(string RegisteredName, IReadOnlyList<string> GpuModels, string UbuntuVersion, string UbuntuCodename)
{
    public static PayloadParameters For(ImageDefinition image, BuildParameters parameters) =>
        new(parameters.RegisteredName(image.Name), parameters.GpuModels, parameters.UbuntuVersion, parameters.UbuntuCodename);
}

/// <summary>
/// The region payload of one image, a pure function of its definition (architecture, os), its manifest (what the
/// audit found in the image: driver, Kubernetes; the raw's SHA-256) and where the raw is published (the same
/// <see cref="ObjectLocation"/> Upload writes to, so spec.uri and the object cannot disagree). It does not check
/// the result against the contract: <see cref="PayloadValidator"/> does, with the spec itself.
/// </summary>
public static partial class PayloadBuilder
{
    public const string Virtualization = "virtualized";

    public const string GpuVendor = "NVIDIA";

    // The spec's semver pattern (softwareVersions values).
    [GeneratedRegex(@"^v\d+\.\d+\.\d+$")]
    private static partial Regex SoftwareVersion();

    public static ImagePayload Build(ImageDefinition image, ImageManifest manifest, ObjectLocation location, PayloadParameters parameters)
    {
        var sha256 = RawSha256(image, manifest);
        var contents = manifest.Contents
            ?? throw new PayloadException($"{image.Name}: the manifest says nothing of what the image contains: run AuditImage (--target=AuditImage --image={image.Name})");
        RequirePassed(image, "audit", manifest.Audit, sha256, "AuditImage");
        RequirePassed(image, "smoke boot", manifest.SmokeBoot, sha256, "SmokeBoot");

        var identity = ImageIdentity.Of(image);
        var os = new PayloadOs(
            identity.Kernel,
            identity.Family,
            identity.Distro,
            identity.Variant,
            identity.CodenameOr(parameters.UbuntuCodename),
            identity.VersionOr(parameters.UbuntuVersion));

        return new ImagePayload(
            new PayloadMetadata(
                parameters.RegisteredName,
                Description: null,
                // Sorted by name, as the region sorts them when it lists the image.
                [new PayloadTag(PayloadTags.Object, location.ToString()), new PayloadTag(PayloadTags.Sha256, sha256)]),
            new PayloadSpec(
                location.Url,
                identity.Architecture,
                Virtualization,
                os,
                SoftwareVersions(image, contents.KubernetesVersion, contents.Kubelet),
                Gpu(image, contents.NvidiaDriverVersion, parameters.GpuModels)));
    }

    private static string RawSha256(ImageDefinition image, ImageManifest manifest) =>
        manifest.Raw is { Sha256: { Length: 64 } sha } && sha.All(char.IsAsciiHexDigitLower)
            ? sha
            : throw new PayloadException($"{image.Name}: the manifest has no SHA-256 of the raw image: run Checksum (--target=Checksum --image={image.Name})");

    private static void RequirePassed(ImageDefinition image, string gate, IRawGateResult? result, string sha256, string task)
    {
        if (result is not { Passed: true } || result.RawSha256 != sha256)
        {
            var state = result is null ? "has not run" : !result.Passed ? "did not pass" : "passed for other bytes than this raw";
            throw new PayloadException($"{image.Name}: the {gate} {state} for raw {sha256[..12]}: run {task} (--target={task} --image={image.Name})");
        }
    }

    /// <summary>
    /// kubernetes from the kubelet in the image; none without kubelet. A kubelet whose version is not vX.Y.Z is an
    /// error, not left out: the payload would say the image has no Kubernetes, and clusters pick images by it.
    /// </summary>
    private static SortedDictionary<string, string>? SoftwareVersions(ImageDefinition image, string? kubernetes, string? kubelet)
    {
        if (kubernetes is null)
        {
            return null;
        }

        if (!SoftwareVersion().IsMatch(kubernetes))
        {
            throw new PayloadException($"{image.Name}: the image's kubelet {kubelet} gives Kubernetes version '{kubernetes}', not the vX.Y.Z the region accepts: build with a release --kubernetes-version (like v1.30.14)");
        }

        return new SortedDictionary<string, string>(StringComparer.Ordinal) { ["kubernetes"] = kubernetes };
    }

    /// <summary>A gpu object only for an image defined with the NVIDIA driver, and then with the driver the image really has.</summary>
    private static PayloadGpu? Gpu(ImageDefinition image, string? driver, IReadOnlyList<string> models)
    {
        if (!image.Features.NvidiaDriver)
        {
            return null;
        }

        if (driver is null)
        {
            throw new PayloadException(
                $"{image.Name}: defined with the NVIDIA driver ({ImageFeatures.NvidiaDriverStep}) but the manifest's audit found none in the image: rebuild it, then run AuditImage (--target=AuditImage --image={image.Name} --force)");
        }

        return new PayloadGpu(GpuVendor, driver, models);
    }
}
