namespace GpuImageBuilder.Build.Images;

/// <summary>
/// One image the build can make, read from <c>&lt;definitions&gt;/&lt;name&gt;.pkrvars.hcl</c>: its name, the image it
/// layers on (if any), the shared steps and its own steps.
/// </summary>
public sealed record ImageDefinition(
    string Name,
    string? Parent,
    IReadOnlyList<string> BaseScripts,
    IReadOnlyList<string> ImageScripts,
    string VarFile,
    IReadOnlyDictionary<string, PackerValue> Variables)
{
    /// <summary>Whether this image carries the NVIDIA driver (the firmware-config step is its marker).</summary>
    public bool HasNvidiaDriver => ImageScripts.Any(s => s.StartsWith("04-", StringComparison.Ordinal) || s.StartsWith("05-", StringComparison.Ordinal));
}
