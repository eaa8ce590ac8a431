using System.Text.Json;
using System.Text.RegularExpressions;
using GpuImageBuilder.RegionEmulator.Api;

namespace GpuImageBuilder.RegionEmulator.Contract;

/// <summary>
/// What the service demands beyond the request schema. It stores a request as Glance properties
/// (createImageMetadata: a gpu needs vendor, driver and at least one model) and later lists only images whose
/// properties pass v2.image.schema.json (models "^\w+(,\w+)*$", kubernetes/slurmd "vX.Y.Z"). The real service
/// accepts a request that breaks the second rule and then never shows the image; the emulator refuses it up front,
/// so a client learns of the mistake from the answer instead of from a poll that never ends.
/// </summary>
public sealed partial class ServerRules(ContractSchemas schemas)
{
    // Go's \w, which the service's schema library uses, is ASCII; .NET's \w would also let letters like 'é' through.
    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex ModelName();

    public IReadOnlyList<string> Failures(ImageCreateRequest request, string organizationId)
    {
        var failures = new List<string>();
        if (request.Spec.Gpu is { } gpu)
        {
            if (gpu.Models is not { Count: > 0 })
            {
                failures.Add("/spec/gpu/models: GPU models must be defined when GPU information is provided");
            }

            failures.AddRange((gpu.Models ?? [])
                .Where(m => !ModelName().IsMatch(m))
                .Select(m => $"/spec/gpu/models: '{m}' is not a model name ([A-Za-z0-9_]+); the region would hide the image"));
        }

        var stored = JsonSerializer.SerializeToElement(StoredProperties(request, organizationId));
        failures.AddRange(ContractSchemas.Failures(schemas.StoredImageProperties, stored)
            .Select(f => $"stored image property {f}; the region would hide the image"));
        return failures;
    }

    /// <summary>The Glance properties the service writes for a request (its createImageMetadata).</summary>
    private static Dictionary<string, string> StoredProperties(ImageCreateRequest request, string organizationId)
    {
        var spec = request.Spec;
        var properties = new Dictionary<string, string>
        {
            ["unikorn:os:kernel"] = spec.Os.Kernel,
            ["unikorn:os:family"] = spec.Os.Family,
            ["unikorn:os:distro"] = spec.Os.Distro,
            ["unikorn:os:version"] = spec.Os.Version,
            ["unikorn:virtualization"] = spec.Virtualization,
            ["unikorn:organization:id"] = organizationId,
        };
        AddIfPresent(properties, "unikorn:os:variant", spec.Os.Variant);
        AddIfPresent(properties, "unikorn:os:codename", spec.Os.Codename);
        foreach (var (name, version) in spec.SoftwareVersions ?? new Dictionary<string, string>())
        {
            properties["unikorn:package:" + name] = version;
        }

        if (spec.Gpu is { } gpu)
        {
            properties["unikorn:gpu_vendor"] = gpu.Vendor;
            properties["unikorn:gpu_models"] = string.Join(',', gpu.Models ?? []);
            properties["unikorn:gpu_driver_version"] = gpu.Driver;
        }

        return properties;
    }

    private static void AddIfPresent(Dictionary<string, string> properties, string key, string? value)
    {
        if (value is not null)
        {
            properties[key] = value;
        }
    }
}
