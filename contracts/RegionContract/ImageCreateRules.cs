using System.Text.Json;
using System.Text.RegularExpressions;

namespace GpuImageBuilder.RegionContract;

/// <summary>
/// What the service demands of an <c>imageCreate</c> body beyond its schema. It stores a request as Glance properties
/// (createImageMetadata: a gpu needs vendor, driver and at least one model) and later lists only images whose
/// properties pass v2.image.schema.json (models "^\w+(,\w+)*$", kubernetes/slurmd "vX.Y.Z"). The real service
/// accepts a request that breaks the second rule and then never shows the image; the emulator refuses it up front,
/// and the build refuses to write such a payload, so the mistake shows before anything is sent.
/// Works on the body as JSON (what is sent), so the build and the emulator apply the very same rules.
/// </summary>
public sealed partial class ImageCreateRules(ContractSchemas schemas)
{
    // Go's \w, which the service's schema library uses, is ASCII; .NET's \w would also let letters like 'é' through.
    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex ModelName();

    /// <summary>
    /// The broken rules as "location: message" lines; empty when none. <paramref name="organizationId"/> is stored
    /// with the image (null where it is not known yet, as at build time: the stored-property schema has no rule on it).
    /// Expects a body that already passed the imageCreate schema; what is missing here is left to that check.
    /// </summary>
    public IReadOnlyList<string> Failures(JsonElement body, string? organizationId)
    {
        var failures = new List<string>();
        var spec = Member(body, "spec");
        if (Member(spec, "gpu") is { ValueKind: JsonValueKind.Object } gpu)
        {
            var models = Models(gpu);
            if (models.Count == 0)
            {
                failures.Add("/spec/gpu/models: GPU models must be defined when GPU information is provided");
            }

            failures.AddRange(models
                .Where(m => !ModelName().IsMatch(m))
                .Select(m => $"/spec/gpu/models: '{m}' is not a model name ([A-Za-z0-9_]+); the region would hide the image"));
        }

        var stored = JsonSerializer.SerializeToElement(StoredProperties(spec, organizationId));
        failures.AddRange(ContractSchemas.Failures(schemas.StoredImageProperties, stored)
            .Select(f => $"stored image property {f}; the region would hide the image"));
        return failures;
    }

    /// <summary>The Glance properties the service writes for a request (its createImageMetadata).</summary>
    private static Dictionary<string, string> StoredProperties(JsonElement? spec, string? organizationId)
    {
        var os = Member(spec, "os");
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        Add(properties, "unikorn:os:kernel", Text(os, "kernel"));
        Add(properties, "unikorn:os:family", Text(os, "family"));
        Add(properties, "unikorn:os:distro", Text(os, "distro"));
        Add(properties, "unikorn:os:version", Text(os, "version"));
        Add(properties, "unikorn:os:variant", Text(os, "variant"));
        Add(properties, "unikorn:os:codename", Text(os, "codename"));
        Add(properties, "unikorn:virtualization", Text(spec, "virtualization"));
        Add(properties, "unikorn:organization:id", organizationId);
        if (Member(spec, "softwareVersions") is { ValueKind: JsonValueKind.Object } versions)
        {
            foreach (var version in versions.EnumerateObject())
            {
                Add(properties, "unikorn:package:" + version.Name, version.Value.ValueKind == JsonValueKind.String ? version.Value.GetString() : null);
            }
        }

        if (Member(spec, "gpu") is { ValueKind: JsonValueKind.Object } gpu)
        {
            Add(properties, "unikorn:gpu_vendor", Text(gpu, "vendor"));
            properties["unikorn:gpu_models"] = string.Join(',', Models(gpu));
            Add(properties, "unikorn:gpu_driver_version", Text(gpu, "driver"));
        }

        return properties;
    }

    private static List<string> Models(JsonElement gpu) =>
        Member(gpu, "models") is { ValueKind: JsonValueKind.Array } models
            ? models.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()!).ToList()
            : [];

    private static JsonElement? Member(JsonElement? parent, string name) =>
        parent is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    private static string? Text(JsonElement? parent, string name) =>
        Member(parent, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static void Add(Dictionary<string, string> properties, string key, string? value)
    {
        if (value is not null)
        {
            properties[key] = value;
        }
    }
}
