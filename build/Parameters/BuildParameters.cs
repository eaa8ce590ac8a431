using System.Globalization;

namespace GpuImageBuilder.Build.Parameters;

/// <summary>One problem with one input, already phrased for the user (never containing a secret).</summary>
public sealed record ParameterProblem(ParameterGroup Group, string Message);

/// <summary>
/// Every input of the build, resolved once (argument, environment, .env, cake.config, default) and typed.
/// Immutable. <see cref="Check"/> reports every missing or malformed input a set of tasks needs, all at once.
/// </summary>
public sealed class BuildParameters
{
    /// <summary>Aggregate targets fix the image set; --image then must agree.</summary>
    public static readonly IReadOnlyDictionary<string, string> TargetImages = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["BuildGpuReady"] = "gpu-ready",
        ["BuildNvidia"] = "nvidia-firmware1",
    };

    private readonly IReadOnlyDictionary<string, ResolvedValue> _values;
    private readonly List<ParameterProblem> _problems = [];

    private BuildParameters(IReadOnlyDictionary<string, ResolvedValue> values, string? envFilePath, string target, IReadOnlyCollection<string> imageNames, DateTime now)
    {
        _values = values;
        EnvFilePath = envFilePath;
        Target = target;

        foreach (var definition in ParameterCatalog.All)
        {
            var value = values[definition.Argument].Value;
            if (value is null)
            {
                continue;
            }

            if (definition.Check(value) is { } reason)
            {
                var shown = definition.IsSecret ? string.Empty : $" = '{value}'";
                _problems.Add(new(definition.Group, $"--{definition.Argument} ({definition.Environment}){shown}: {reason}; expected {definition.Expected}"));
            }
        }

        DryRun = Bool(Arg.DryRun);
        Force = Bool(Arg.Force);
        ImageVersion = Raw(Arg.ImageVersion) ?? now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        Images = ResolveImages(Raw(Arg.Image) ?? "all", target, imageNames);
        GpuModels = Rules.SplitList(Raw(Arg.GpuModels) ?? string.Empty);

        foreach (var image in Rules.ImageVersion(ImageVersion) is null ? Images : [])
        {
            var name = RegisteredName(image);
            if (name.Length > 63 || !Rules.ResourceName().IsMatch(name))
            {
                _problems.Add(new(ParameterGroup.Images, $"--{Arg.ImageVersion} ({Env.ImageVersion}): the image name '{name}' is not one the region accepts (1-63 letters, digits, '-', '_', '.', starting and ending alphanumeric); choose a shorter or simpler version"));
            }
        }

        var baseImage = Raw(Arg.BaseImage);
        var baseChecksum = Raw(Arg.BaseImageChecksum);
        if (baseImage is not null && baseChecksum is null)
        {
            _problems.Add(new(ParameterGroup.Build, $"--{Arg.BaseImageChecksum} ({Env.BaseImageChecksum}): missing; --{Arg.BaseImage} needs its SHA-256, expected sha256:<64 hex digits>"));
        }
        else if (baseImage is null && baseChecksum is not null)
        {
            _problems.Add(new(ParameterGroup.Build, $"--{Arg.BaseImage} ({Env.BaseImage}): missing; --{Arg.BaseImageChecksum} is only used with it"));
        }

        BaseImage = baseImage is not null && baseChecksum is not null
            ? new BaseImageSource(baseImage, baseChecksum.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? baseChecksum.ToLowerInvariant() : "sha256:" + baseChecksum.ToLowerInvariant())
            : null;
    }

    public string Target { get; }

    /// <summary>The .env file that was read, if any.</summary>
    public string? EnvFilePath { get; }

    /// <summary>Selected image names, in the order given by the definitions (parents first) — see ImageCatalog.Select.</summary>
    public IReadOnlyList<string> Images { get; }

    public string ImageVersion { get; }

    public string UbuntuVersion => Raw(Arg.UbuntuVersion)!;

    public string UbuntuCodename => Raw(Arg.UbuntuCodename)!;

    public string KubernetesVersion => Raw(Arg.KubernetesVersion)!;

    public string NvidiaDriverVersion => Raw(Arg.NvidiaDriverVersion)!;

    public string NvidiaKernelModules => Raw(Arg.NvidiaKernelModules)!;

    public string NvidiaContainerToolkitVersion => Raw(Arg.NvidiaContainerToolkitVersion)!;

    public IReadOnlyList<string> GpuModels { get; }

    public string OutputDirectory => Raw(Arg.OutputDir)!;

    public string DefinitionsDirectory => Raw(Arg.Definitions)!;

    /// <summary>Null: the template's pinned Ubuntu cloud image.</summary>
    public BaseImageSource? BaseImage { get; }

    public VmSettings Vm => new(
        Raw(Arg.Accelerator)!,
        int.Parse(Raw(Arg.Memory)!, CultureInfo.InvariantCulture),
        int.Parse(Raw(Arg.Cpus)!, CultureInfo.InvariantCulture),
        Raw(Arg.DiskSize)!,
        Rules.ParseDuration(Raw(Arg.PackerTimeout)!),
        Rules.ParseDuration(Raw(Arg.StallTimeout)!));

    public TimeSpan SmokeTimeout => Rules.ParseDuration(Raw(Arg.SmokeTimeout)!);

    public bool KeepVm => Bool(Arg.KeepVm);

    public S3Settings S3 => new(
        Raw(Arg.S3Endpoint),
        Raw(Arg.S3Bucket),
        (Raw(Arg.S3Prefix) ?? string.Empty).Trim('/'),
        Raw(Arg.S3Region)!,
        Bool(Arg.S3PathStyle),
        Raw(Arg.S3AccessKey),
        Raw(Arg.S3SecretKey));

    public RegionSettings Region => new(Raw(Arg.RegionUrl)?.TrimEnd('/'), Raw(Arg.OrganizationId), Raw(Arg.RegionId), Raw(Arg.Token));

    public bool DryRun { get; }

    public bool Force { get; }

    /// <summary>Values that must never be printed.</summary>
    public IEnumerable<string> Secrets =>
        ParameterCatalog.All.Where(d => d.IsSecret).Select(d => _values[d.Argument].Value).OfType<string>();

    public static BuildParameters Create(ParameterSources sources, string target, IReadOnlyCollection<string> imageNames, DateTime? now = null)
    {
        var values = ParameterCatalog.All.ToDictionary(d => d.Argument, sources.Resolve, StringComparer.Ordinal);
        return new BuildParameters(values, sources.EnvFilePath, target, imageNames, now ?? DateTime.UtcNow);
    }

    /// <summary>The name an image is registered under.</summary>
    public string RegisteredName(string image) => $"{image}-{ImageVersion}";

    public ResolvedValue Resolved(string argument) => _values[argument];

    /// <summary>
    /// Every missing or malformed input that the given groups need, each naming its argument, its environment
    /// variable and what a valid value looks like. Empty when all is well.
    /// </summary>
    public IReadOnlyList<string> Check(ParameterGroup needed)
    {
        var problems = _problems.Where(p => p.Group == ParameterGroup.None || (p.Group & needed) != 0).Select(p => p.Message).ToList();
        foreach (var definition in ParameterCatalog.All)
        {
            if (!definition.Required || (definition.Group & needed) == 0 || _values[definition.Argument].Value is not null)
            {
                continue;
            }

            // A dry run sends nothing: credentials are not needed to see what would be sent.
            if (DryRun && definition.IsSecret)
            {
                continue;
            }

            problems.Add($"--{definition.Argument} ({definition.Environment}): missing; expected {definition.Expected}");
        }

        return problems;
    }

    /// <summary>Each input with its source, for --verbosity=diagnostic. Secrets show only whether they are set.</summary>
    public IEnumerable<string> Describe()
    {
        foreach (var definition in ParameterCatalog.All)
        {
            var resolved = _values[definition.Argument];
            var shown = resolved.Value is null ? "(unset)" : definition.IsSecret ? "(set)" : resolved.Value;
            yield return $"{definition.Argument} = {shown} [{resolved.Source}]";
        }
    }

    private string? Raw(string argument)
    {
        var value = _values[argument].Value;
        return string.IsNullOrEmpty(value) && ParameterCatalog.Get(argument).Default is null ? null : value;
    }

    private bool Bool(string argument) => Rules.TryParseBoolean(Raw(argument) ?? "false", out var b) && b;

    private IReadOnlyList<string> ResolveImages(string selection, string target, IReadOnlyCollection<string> imageNames)
    {
        var imageSource = _values[Arg.Image].Source;
        if (TargetImages.TryGetValue(target, out var fixedImage))
        {
            if (imageSource != ValueSource.Default && selection != fixedImage && selection != "all")
            {
                _problems.Add(new(ParameterGroup.Images, $"--{Arg.Image} ({Env.Image}) = '{selection}': target {target} builds {fixedImage} only; drop --{Arg.Image} or use --target=BuildBoth"));
            }

            return [fixedImage];
        }

        if (selection == "all")
        {
            return imageNames.ToList();
        }

        var chosen = Rules.SplitList(selection);
        var unknown = chosen.Where(n => !imageNames.Contains(n)).ToList();
        if (unknown.Count > 0)
        {
            _problems.Add(new(ParameterGroup.Images, $"--{Arg.Image} ({Env.Image}) = '{selection}': no image named '{string.Join("', '", unknown)}'; expected {string.Join(", ", imageNames)} or all"));
        }

        return chosen.Where(imageNames.Contains).ToList();
    }
}
