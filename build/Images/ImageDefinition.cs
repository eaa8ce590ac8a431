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
    /// <summary>What the image is meant to carry (Kubernetes, NVIDIA driver, firmware option).</summary>
    public ImageFeatures Features => ImageFeatures.Of(this);
}
