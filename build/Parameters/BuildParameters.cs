using System.Globalization;
using GpuImageBuilder.Build.Matrix;

namespace GpuImageBuilder.Build.Parameters;

/// <summary>One problem with one input, already phrased for the user (never containing a secret).</summary>
public sealed record ParameterProblem(ParameterGroup Group, string Message);

/// <summary>
/// Every input of the build, resolved once (argument, environment, .env, cake.config, default) and typed.
/// Immutable: every value is parsed into its typed property here, once. <see cref="Check"/> reports every problem
/// before a set of tasks runs, all at once; after it, the Require methods hand tasks non-nullable settings.
/// </summary>
public sealed class BuildParameters
{
    private readonly ParameterValues _values;
    private readonly List<ParameterProblem> _problems = [];

    private readonly IReadOnlyDictionary<string, ImageAxes> _imageAxes;

    private BuildParameters(ParameterSources sources, string target, IReadOnlyCollection<string> imageNames, IReadOnlyDictionary<string, ImageAxes> imageAxes, DateTime now)
    {
        _imageAxes = imageAxes;
        _problems.AddRange(sources.Problems);
        _values = new ParameterValues(ParameterCatalog.All.ToDictionary(d => d.Argument, sources.Resolve, StringComparer.Ordinal), sources.EnvFilePath, _problems);
        EnvFilePath = sources.EnvFilePath;
        Target = target;

        DryRun = _values.Bool(Arg.DryRun);
        Force = _values.Bool(Arg.Force);
        ImageVersion = _values.Text(Arg.ImageVersion) ?? now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        Images = ImageSelection.Resolve(_values.TextOrDefault(Arg.Image), _values.Resolved(Arg.Image).Source, target, imageNames, _problems);
        Combination = MatrixSelection.Resolve(
            SupportMatrix.Current,
            _values.Text(Arg.UbuntuVersion),
            _values.Text(Arg.UbuntuCodename),
            _values.Text(Arg.NvidiaDriverVersion),
            _values.Text(Arg.KubernetesVersion),
            _values.Resolved(Arg.NvidiaContainerToolkitVersion).Source == ValueSource.Default ? null : _values.Text(Arg.NvidiaContainerToolkitVersion),
            _problems);
        UbuntuVersion = Combination.Ubuntu.Version;
        UbuntuCodename = Combination.Ubuntu.Codename;
        KubernetesVersion = Combination.KubernetesVersion;
        NvidiaDriverVersion = Combination.DriverVersion;
        NvidiaKernelModules = _values.TextOrDefault(Arg.NvidiaKernelModules);
        NvidiaContainerToolkitVersion = Combination.ContainerToolkitVersion;
        GpuModels = Rules.SplitList(_values.TextOrDefault(Arg.GpuModels));
        OutputDirectory = _values.TextOrDefault(Arg.OutputDir);
        DefinitionsDirectory = _values.TextOrDefault(Arg.Definitions);
        var diskSize = _values.TextOrDefault(Arg.DiskSize);
        Vm = new VmSettings(_values.TextOrDefault(Arg.Accelerator), _values.Int(Arg.Memory), _values.Int(Arg.Cpus), diskSize, Rules.DiskSizeBytes(diskSize), _values.Duration(Arg.PackerTimeout), _values.Duration(Arg.StallTimeout));
        SmokeTimeout = _values.Duration(Arg.SmokeTimeout);
        KeepVm = _values.Bool(Arg.KeepVm);
        NvidiaFabricManager = _values.Bool(Arg.NvidiaFabricManager);
        ModuleSigning = ResolveModuleSigning();
        BaseImage = ResolveBaseImage();
        Upload = new UploadSettings(
            Rules.DiskSizeBytes(_values.TextOrDefault(Arg.UploadPartSize)),
            _values.Int(Arg.UploadParallelism),
            _values.TextOrDefault(Arg.S3UrlMode) == "presigned" ? ObjectUrlMode.Presigned : ObjectUrlMode.Public,
            _values.Duration(Arg.S3PresignExpiry));
        Register = new RegisterSettings(_values.Duration(Arg.PollInterval), _values.Duration(Arg.RegisterTimeout), _values.Bool(Arg.Replace));
        CheckS3KeyPair();
        CheckRegistryLogin();

        // A rejected version is reported on its own; the names made with the stand-in date would only add noise.
        if (_values.Text(Arg.ImageVersion) is not null || !_values.IsSet(Arg.ImageVersion))
        {
            ImageSelection.CheckRegisteredNames(Images.Select(RegisteredName), _problems);
        }
    }

    public string Target { get; }

    /// <summary>The .env file that was read, if any.</summary>
    public string? EnvFilePath { get; }

    /// <summary>Selected image names, in the order given by the definitions (parents first) — see ImageCatalog.Select.</summary>
    public IReadOnlyList<string> Images { get; }

    public string ImageVersion { get; }

    /// <summary>The supported combination the axis parameters picked (the default one when a value was rejected).</summary>
    public MatrixCombination Combination { get; private set; }

    /// <summary>From --ubuntu-version, through the matrix.</summary>
    public string UbuntuVersion { get; private set; }

    /// <summary>The codename of <see cref="UbuntuVersion"/>, from the matrix (--ubuntu-codename may only repeat it).</summary>
    public string UbuntuCodename { get; private set; }

    public string KubernetesVersion { get; private set; }

    public string NvidiaDriverVersion { get; private set; }

    public string NvidiaKernelModules { get; }

    /// <summary>--nvidia-container-toolkit-version when given, else the version the matrix matches with the driver branch.</summary>
    public string NvidiaContainerToolkitVersion { get; private set; }

    public IReadOnlyList<string> GpuModels { get; }

    public string OutputDirectory { get; }

    public string DefinitionsDirectory { get; }

    /// <summary>Null: the template's pinned Ubuntu cloud image.</summary>
    public BaseImageSource? BaseImage { get; }

    public VmSettings Vm { get; }

    public TimeSpan SmokeTimeout { get; }

    public bool KeepVm { get; }

    /// <summary>04 installs and enables the fabric manager and nvidia-persistenced (issue 11, item 3).</summary>
    public bool NvidiaFabricManager { get; }

    /// <summary>Secure Boot signing of the DKMS-built modules (both files, full paths), or null: modules stay unsigned.</summary>
    public ModuleSigningFiles? ModuleSigning { get; }

    public bool DryRun { get; }

    public bool Force { get; }

    /// <summary>Values that must never be printed.</summary>
    public IEnumerable<string> Secrets => _values.Secrets;

    /// <summary>
    /// These parameters with another supported combination (Validate checks every combination with the rest of the
    /// user's inputs unchanged); the toolkit is the combination's (its branch's matched version).
    /// </summary>
    public BuildParameters WithCombination(MatrixCombination combination)
    {
        var copy = (BuildParameters)MemberwiseClone();
        copy.Combination = combination;
        copy.UbuntuVersion = combination.Ubuntu.Version;
        copy.UbuntuCodename = combination.Ubuntu.Codename;
        copy.KubernetesVersion = combination.KubernetesVersion;
        copy.NvidiaDriverVersion = combination.DriverVersion;
        copy.NvidiaContainerToolkitVersion = combination.ContainerToolkitVersion;
        return copy;
    }

    /// <param name="imageAxes">Which matrix axes each image carries (<see cref="ImageAxes.Of"/>); an image not in it carries none.</param>
    public static BuildParameters Create(ParameterSources sources, string target, IReadOnlyCollection<string> imageNames, DateTime? now = null, IReadOnlyDictionary<string, ImageAxes>? imageAxes = null) =>
        new(sources, target, imageNames, imageAxes ?? new Dictionary<string, ImageAxes>(), now ?? DateTime.UtcNow);

    /// <summary>
    /// The name an image is registered under: its published name in the chosen combination (the definition's name for
    /// the default one; see <see cref="MatrixCombination.PublishedName"/>) and the version.
    /// </summary>
    public string RegisteredName(string image) => $"{PublishedName(image)}-{ImageVersion}";

    /// <summary>The image's name in the chosen combination, without the version.</summary>
    public string PublishedName(string image) => Combination.PublishedName(image, _imageAxes.GetValueOrDefault(image, ImageAxes.None));

    public ResolvedValue Resolved(string argument) => _values.Resolved(argument);

    /// <summary>
    /// Every problem to report before a run of tasks that need <paramref name="needed"/>, each naming its argument,
    /// its environment variable and what a valid value looks like. A value the user gave is checked whatever the
    /// target (so is a name the build does not know); only a missing value depends on the tasks. Empty when all is well.
    /// </summary>
    public IReadOnlyList<string> Check(ParameterGroup needed) =>
        _problems.Where(p => p.Group == ParameterGroup.None || (p.Group & needed) != 0).Select(p => p.Message)
            // A dry run sends nothing: credentials are not needed to see what would be sent.
            .Concat(_values.Missing(needed, exemptSecrets: DryRun))
            .ToList();

    /// <summary>The S3 location, for a task that declared <see cref="ParameterGroup.S3Location"/>.</summary>
    public S3Settings RequireS3()
    {
        Require(d => d.Group == ParameterGroup.S3Location, nameof(ParameterGroup.S3Location));
        var region = _values.Text(Arg.S3Region)!;
        return new S3Settings(
            WithTrailingSlash(_values.Url(Arg.S3Endpoint) ?? new Uri($"https://s3.{region}.amazonaws.com")),
            _values.Text(Arg.S3Bucket)!,
            _values.TextOrDefault(Arg.S3Prefix).Trim('/'),
            region,
            _values.Bool(Arg.S3PathStyle));
    }

    /// <summary>
    /// The S3 keys given as parameters, or null: then the AWS SDK's standard chain (AWS_PROFILE, shared credentials
    /// file, instance role) supplies them. Only ever both or neither (checked up front).
    /// </summary>
    public S3Credentials? S3Credentials =>
        _values.Text(Arg.S3AccessKey) is { } access && _values.Text(Arg.S3SecretKey) is { } secret ? new S3Credentials(access, secret) : null;

    /// <summary>The S3 keys given as parameters; for callers that need them set (tests, a task that declared them).</summary>
    public S3Credentials RequireS3Credentials()
    {
        Require(d => d.Group == ParameterGroup.S3Credentials, nameof(ParameterGroup.S3Credentials));
        return S3Credentials ?? throw new InvalidOperationException("--s3-access-key and --s3-secret-key are not set: the SDK's credential chain is in use");
    }

    /// <summary>How Upload sends the raw and how the region fetches it.</summary>
    public UploadSettings Upload { get; }

    /// <summary>How Register waits for the region's import.</summary>
    public RegisterSettings Register { get; }

    /// <summary>The region service, for a task that declared <see cref="ParameterGroup.Region"/>.</summary>
    public RegionSettings RequireRegion()
    {
        Require(d => d is { Group: ParameterGroup.Region, IsSecret: false }, nameof(ParameterGroup.Region));
        return new RegionSettings(WithTrailingSlash(_values.Url(Arg.RegionUrl)!), _values.Uuid(Arg.OrganizationId)!.Value, _values.Uuid(Arg.RegionId)!.Value);
    }

    /// <summary>The region token, for a task that declared <see cref="ParameterGroup.Region"/> and is not a dry run.</summary>
    public RegionCredentials RequireRegionCredentials()
    {
        Require(d => d is { Group: ParameterGroup.Region, IsSecret: true }, nameof(ParameterGroup.Region));
        return new RegionCredentials(_values.Text(Arg.Token)!);
    }

    /// <summary>The instance to verify, for a task that declared <see cref="ParameterGroup.Instance"/>.</summary>
    public InstanceSettings RequireInstance()
    {
        Require(d => (d.Group & ParameterGroup.Instance) != 0, nameof(ParameterGroup.Instance));
        return new InstanceSettings(
            _values.Text(Arg.InstanceHost)!,
            _values.TextOrDefault(Arg.InstanceUser),
            _values.Int(Arg.SshPort),
            _values.Text(Arg.SshKey),
            _values.Text(Arg.SshKnownHosts),
            _values.Duration(Arg.SshTimeout),
            _values.Duration(Arg.InstanceCommandTimeout),
            _values.Bool(Arg.ExpectGpu),
            _values.Text(Arg.InstanceRegistry),
            _values.Text(Arg.ImagePayload) ?? Path.Combine(OutputDirectory, "nvidia-firmware1", "payload.json"),
            _values.TextOrDefault(Arg.ValidationImagesLock),
            _values.TextOrDefault(Arg.WorkloadManifest));
    }

    /// <summary>The container engine and the lock/manifest paths, for a task that declared <see cref="ParameterGroup.ContainerImages"/>.</summary>
    public ContainerImageSettings RequireContainerImages()
    {
        Require(d => (d.Group & ParameterGroup.ContainerImages) != 0, nameof(ParameterGroup.ContainerImages));
        return new ContainerImageSettings(
            _values.TextOrDefault(Arg.ContainerEngine),
            _values.TextOrDefault(Arg.ValidationImagesLock),
            _values.TextOrDefault(Arg.WorkloadManifest),
            Path.Combine(OutputDirectory, "validation-images"));
    }

    /// <summary>Where to push, for a task that declared <see cref="ParameterGroup.Registry"/>. Holds no credential.</summary>
    public RegistrySettings RequireRegistry()
    {
        Require(d => d is { Group: ParameterGroup.Registry, IsSecret: false }, nameof(ParameterGroup.Registry));
        return new RegistrySettings(RegistryAddress.Parse(_values.Text(Arg.Registry)!), _values.Bool(Arg.RegistryTlsVerify));
    }

    /// <summary>
    /// The registry login, or null when no user was given (push without logging in). The password comes from the
    /// environment/.env, or from <paramref name="readStandardInput"/> with --registry-password-stdin; both or neither
    /// was checked up front.
    /// </summary>
    public RegistryCredentials? RegistryCredentials(Func<string?> readStandardInput)
    {
        if (_values.Text(Arg.RegistryUsername) is not { } user)
        {
            return null;
        }

        var password = _values.Bool(Arg.RegistryPasswordStdin)
            ? readStandardInput()?.TrimEnd('\r', '\n')
            : _values.Text(Arg.RegistryPassword);
        if (string.IsNullOrEmpty(password))
        {
            throw new ParameterException($"--{Arg.RegistryPasswordStdin}: standard input was empty; pipe the password in (printf '%s\\n' \"$PASSWORD\" | ./build.sh ...)");
        }

        return new RegistryCredentials(user, password);
    }

    /// <summary>Each input with its source, for --verbosity=diagnostic. Secrets show only whether they are set.</summary>
    public IEnumerable<string> Describe() => _values.Describe();

    /// <summary>
    /// A task asking for settings the lifetime did not check is a bug in the task (a missing NeedsInputs, or a
    /// credential asked for in a dry run), not a user error: say which, rather than hand it a null.
    /// </summary>
    private void Require(Func<ParameterDefinition, bool> which, string group)
    {
        if (_values.Unusable(which) is { Count: > 0 } unusable)
        {
            throw new InvalidOperationException(
                $"{string.Join(", ", unusable)} missing or invalid: a task asked for them without [NeedsInputs(ParameterGroup.{group})], or asked for a credential in a dry run");
        }
    }

    /// <summary>Relative paths resolve under a base URL only when it ends in '/' (<c>new Uri(base, "images")</c>).</summary>
    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    /// <summary>One key without the other is a mistake, not a request for the SDK's chain.</summary>
    private void CheckS3KeyPair()
    {
        var (access, secret) = (_values.IsSet(Arg.S3AccessKey), _values.IsSet(Arg.S3SecretKey));
        if (access != secret)
        {
            var (given, missing) = access ? (Arg.S3AccessKey, Arg.S3SecretKey) : (Arg.S3SecretKey, Arg.S3AccessKey);
            var missingEnv = ParameterCatalog.Get(missing).Environment;
            _problems.Add(new(ParameterGroup.S3Credentials, $"--{missing} ({missingEnv}): missing; --{given} was given and needs it (or unset both to use the AWS SDK's credential chain)"));
        }
    }

    /// <summary>
    /// The registry password never on argv (every user can read /proc/*/cmdline); a user needs exactly one password
    /// source, and a password no user.
    /// </summary>
    private void CheckRegistryLogin()
    {
        var passwordEnv = ParameterCatalog.Get(Arg.RegistryPassword).Environment;
        // A malformed one is reported by its rule already (without its value).
        if (_values.Resolved(Arg.RegistryPassword).Source == ValueSource.Argument && _values.Text(Arg.RegistryPassword) is not null)
        {
            _problems.Add(new(ParameterGroup.None, $"--{Arg.RegistryPassword}: not accepted on the command line (every user can read argv); set {passwordEnv} or pass --{Arg.RegistryPasswordStdin} and pipe it in"));
            return;
        }

        var (user, fromEnv, fromStdin) = (_values.IsSet(Arg.RegistryUsername), _values.IsSet(Arg.RegistryPassword), _values.Bool(Arg.RegistryPasswordStdin));
        if (fromEnv && fromStdin)
        {
            _problems.Add(new(ParameterGroup.Registry, $"--{Arg.RegistryPasswordStdin} ({Env.RegistryPasswordStdin}): {passwordEnv} is set too; use one password source"));
        }
        else if (user && !fromEnv && !fromStdin)
        {
            _problems.Add(new(ParameterGroup.Registry, $"--{Arg.RegistryUsername} ({Env.RegistryUsername}): given without a password; set {passwordEnv} or pass --{Arg.RegistryPasswordStdin} and pipe it in"));
        }
        else if (!user && (fromEnv || fromStdin))
        {
            _problems.Add(new(ParameterGroup.Registry, $"--{Arg.RegistryUsername} ({Env.RegistryUsername}): missing; a registry password was given and needs its user"));
        }
    }

    private ModuleSigningFiles? ResolveModuleSigning()
    {
        var (keyGiven, certGiven) = (_values.IsSet(Arg.ModuleSigningKey), _values.IsSet(Arg.ModuleSigningCert));
        if (keyGiven != certGiven)
        {
            var (given, missing) = keyGiven ? (Arg.ModuleSigningKey, Arg.ModuleSigningCert) : (Arg.ModuleSigningCert, Arg.ModuleSigningKey);
            _problems.Add(new(ParameterGroup.Images, $"--{missing} ({ParameterCatalog.Get(missing).Environment}): missing; --{given} was given and signing needs both the key and its certificate (or unset both: modules stay unsigned, and need Secure Boot off)"));
        }

        return _values.Text(Arg.ModuleSigningKey) is { } key && _values.Text(Arg.ModuleSigningCert) is { } cert
            ? new ModuleSigningFiles(Path.GetFullPath(key), Path.GetFullPath(cert))
            : null;
    }

    private BaseImageSource? ResolveBaseImage()
    {
        // Whether each was given, not whether it is well-formed: a malformed one is reported on its own.
        var (imageGiven, checksumGiven) = (_values.IsSet(Arg.BaseImage), _values.IsSet(Arg.BaseImageChecksum));
        if (imageGiven && !checksumGiven)
        {
            _problems.Add(new(ParameterGroup.None, $"--{Arg.BaseImageChecksum} ({Env.BaseImageChecksum}): missing; --{Arg.BaseImage} needs its SHA-256, expected sha256:<64 hex digits>"));
        }
        else if (!imageGiven && checksumGiven)
        {
            _problems.Add(new(ParameterGroup.None, $"--{Arg.BaseImage} ({Env.BaseImage}): missing; --{Arg.BaseImageChecksum} is only used with it"));
        }

        if (_values.Text(Arg.BaseImage) is not { } location || _values.Text(Arg.BaseImageChecksum) is not { } checksum)
        {
            return null;
        }

        checksum = checksum.ToLowerInvariant();
        return new BaseImageSource(location, checksum.StartsWith("sha256:", StringComparison.Ordinal) ? checksum : "sha256:" + checksum);
    }
}

/// <summary>The Secure Boot signing key and certificate files; the key's content is a secret and is never read here.</summary>
public sealed record ModuleSigningFiles(string KeyFile, string CertificateFile);
