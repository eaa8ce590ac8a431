using System.Text.Json;
using GpuImageBuilder.RegionContract;

namespace GpuImageBuilder.Build.Services.Publishing;

/// <summary>
/// Checks a payload as the region will: its JSON against the <c>imageCreate</c> schema of the copied spec (read by
/// the shared contract library, the same one the emulator uses), then against the rules the service adds (a gpu
/// needs models, each <c>[A-Za-z0-9_]+</c>; the stored properties must pass v2.image.schema.json). The schema covers
/// the name rule and the <c>vX.Y.Z</c> pattern of softwareVersions.
/// </summary>
public sealed class PayloadValidator(ContractSchemas schemas)
{
    public const string Component = "imageCreate";

    private readonly ImageCreateRules _rules = new(schemas);

    /// <summary>Each failure as one "JSON location: what is wrong" line; empty when the region would accept it.</summary>
    public IReadOnlyList<string> Failures(string json)
    {
        using var document = JsonDocument.Parse(json);
        var failures = ContractSchemas.Failures(schemas.Component(Component), document.RootElement);
        // The server rules read a body the schema accepted; on one it refused they would only repeat its findings.
        return failures.Count > 0 ? failures : _rules.Failures(document.RootElement, organizationId: null);
    }

    /// <summary>
    /// output/&lt;image&gt;/payload.json read and checked again (it may have been edited since GeneratePayload): what
    /// Register sends, refused before any request when the region would refuse it.
    /// </summary>
    public ImagePayload Read(string image, string path)
    {
        var payload = PayloadJson.Read(path);
        var failures = Failures(File.ReadAllText(path));
        if (failures.Count > 0)
        {
            throw new PayloadException($"{path} breaks the region's contract (contracts/region/, imageCreate); fix it or run GeneratePayload (--image={image}) again:\n  " + string.Join("\n  ", failures));
        }

        return payload;
    }

    /// <summary>The payload's JSON, checked; a <see cref="PayloadException"/> with every failure when the region would refuse it.</summary>
    public string Validate(string image, ImagePayload payload)
    {
        var json = PayloadJson.Serialize(payload);
        var failures = Failures(json);
        if (failures.Count > 0)
        {
            throw new PayloadException(
                $"{image}: the payload breaks the region's contract (contracts/region/, imageCreate):\n  " + string.Join("\n  ", failures));
        }

        return json;
    }
}
