using System.Text.Json;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.RegionContract;

namespace GpuImageBuilder.Build.Services.Validation;

/// <summary>
/// A definition's identity (<see cref="ImageIdentity"/>) against the region spec's own schemas for it
/// (<c>architecture</c>, <c>imageOS</c>), so that Validate reports <c>os_kernel = "windows"</c> at the start of a build
/// instead of GeneratePayload after an hour of it. Same library and spec as the payload check.
/// </summary>
public static class DefinitionContract
{
    private static readonly Lazy<ContractSchemas> Schemas = new(ContractSchemas.Load);

    private static readonly Dictionary<string, string> VariableOfOsField = new(StringComparer.Ordinal)
    {
        ["/kernel"] = ImageIdentity.KernelVariable,
        ["/family"] = ImageIdentity.FamilyVariable,
        ["/distro"] = ImageIdentity.DistroVariable,
        ["/variant"] = ImageIdentity.VariantVariable,
        ["/codename"] = ImageIdentity.CodenameVariable,
        ["/version"] = ImageIdentity.VersionVariable,
    };

    /// <summary>(variable, what the spec says) for each value the region would refuse; nothing for a definition with identity problems of its own.</summary>
    public static IEnumerable<(string Variable, string Message)> Problems(ImageDefinition image)
    {
        if (ImageIdentity.Problems(image).Any())
        {
            yield break;
        }

        var identity = ImageIdentity.Of(image);
        var schemas = Schemas.Value;
        foreach (var failure in ContractSchemas.Failures(schemas.Component("architecture"), JsonSerializer.SerializeToElement(identity.Architecture)))
        {
            yield return (ImageIdentity.ArchitectureVariable, $"= \"{identity.Architecture}\": {What(failure)} (region spec: architecture)");
        }

        // Ubuntu's version and codename come from the parameters; any string passes the spec there.
        var os = new Dictionary<string, string?>
        {
            ["kernel"] = identity.Kernel,
            ["family"] = identity.Family,
            ["distro"] = identity.Distro,
            ["variant"] = identity.Variant,
            ["codename"] = identity.CodenameOr("codename"),
            ["version"] = identity.VersionOr("version"),
        }.Where(f => f.Value is not null).ToDictionary(f => f.Key, f => f.Value);
        foreach (var failure in ContractSchemas.Failures(schemas.Component("imageOS"), JsonSerializer.SerializeToElement(os)))
        {
            var location = failure[..failure.IndexOf(": ", StringComparison.Ordinal)];
            var variable = VariableOfOsField.GetValueOrDefault(location, ImageIdentity.KernelVariable);
            yield return (variable, $"= \"{os.GetValueOrDefault(location.TrimStart('/'))}\": {What(failure)} (region spec: imageOS)");
        }
    }

    private static string What(string failure) => failure[(failure.IndexOf(": ", StringComparison.Ordinal) + 2)..];
}
