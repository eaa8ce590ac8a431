namespace GpuImageBuilder.Build.Images;

/// <summary>
/// What an image is, as its definition states it (the region payload's <c>architecture</c> and <c>os</c>): the
/// definition is the one place that knows the fixture is Debian 12 and the real images Ubuntu, so no code writes
/// an OS name. For Ubuntu the version and codename come from --ubuntu-version/--ubuntu-codename (the release the
/// base image is) unless the definition pins them; any other distro must state both.
/// </summary>
public sealed record ImageIdentity(
    string Architecture,
    string Kernel,
    string Family,
    string Distro,
    string? Variant,
    string? Codename,
    string? Version)
{
    public const string ArchitectureVariable = "image_architecture";
    public const string KernelVariable = "os_kernel";
    public const string FamilyVariable = "os_family";
    public const string DistroVariable = "os_distro";
    public const string VariantVariable = "os_variant";
    public const string CodenameVariable = "os_codename";
    public const string VersionVariable = "os_version";

    /// <summary>The distro whose version and codename default to the --ubuntu-version/--ubuntu-codename parameters.</summary>
    public const string Ubuntu = "ubuntu";

    /// <summary>Every variable this record reads, for the template's declarations.</summary>
    public static readonly IReadOnlyList<string> Variables =
        [ArchitectureVariable, KernelVariable, FamilyVariable, DistroVariable, VariantVariable, CodenameVariable, VersionVariable];

    private static readonly string[] Required = [ArchitectureVariable, KernelVariable, FamilyVariable, DistroVariable];

    /// <summary>The identity of a definition; the first problem as an exception naming the file and the variable.</summary>
    public static ImageIdentity Of(ImageDefinition image)
    {
        if (Problems(image).FirstOrDefault() is var (variable, message) && message is not null)
        {
            throw new ImageDefinitionException($"{image.VarFile}: {variable} {message}");
        }

        return new ImageIdentity(
            Value(image, ArchitectureVariable)!,
            Value(image, KernelVariable)!,
            Value(image, FamilyVariable)!,
            Value(image, DistroVariable)!,
            Value(image, VariantVariable),
            Value(image, CodenameVariable),
            Value(image, VersionVariable));
    }

    /// <summary>What is missing or malformed in a definition's identity: (variable, what is wrong) each.</summary>
    public static IEnumerable<(string Variable, string Message)> Problems(ImageDefinition image)
    {
        foreach (var variable in Variables)
        {
            if (image.Variables.TryGetValue(variable, out var value) && (value.Scalar is null || value.Scalar.Trim().Length == 0 || value.Scalar != value.Scalar.Trim()))
            {
                yield return (variable, "must be a non-empty string without surrounding spaces");
            }
        }

        foreach (var variable in Required.Where(v => !image.Variables.ContainsKey(v)))
        {
            yield return (variable, $"is not set: the region payload needs it (e.g. {Example(variable)})");
        }

        if (Value(image, DistroVariable) is { } distro && distro != Ubuntu)
        {
            foreach (var variable in new[] { VersionVariable, CodenameVariable }.Where(v => !image.Variables.ContainsKey(v)))
            {
                yield return (variable, $"is not set: only for {DistroVariable} = \"{Ubuntu}\" does it default to --{(variable == VersionVariable ? "ubuntu-version" : "ubuntu-codename")}");
            }
        }
    }

    /// <summary>The version, pinned by the definition or, for Ubuntu, the one the parameters name.</summary>
    public string VersionOr(string ubuntuVersion) => Version ?? ubuntuVersion;

    /// <summary>The codename, pinned by the definition or, for Ubuntu, the one the parameters name.</summary>
    public string CodenameOr(string ubuntuCodename) => Codename ?? ubuntuCodename;

    private static string? Value(ImageDefinition image, string variable) =>
        image.Variables.TryGetValue(variable, out var value) && value.Scalar is { Length: > 0 } text ? text : null;

    private static string Example(string variable) => variable switch
    {
        ArchitectureVariable => "image_architecture = \"x86_64\"",
        KernelVariable => "os_kernel = \"linux\"",
        FamilyVariable => "os_family = \"debian\"",
        _ => "os_distro = \"ubuntu\"",
    };
}
