using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace GpuImageBuilder.Build.Matrix;

/// <summary>
/// The supported combinations, read from the one table <c>build/Matrix/supported-matrix.json</c> (embedded in the
/// build, so a changed table recompiles the host): Ubuntu releases with their pinned base image, NVIDIA driver
/// branches with their default version and the fabric manager and container toolkit matched to it, Kubernetes
/// minors with their package repository and the pause image kubeadm of that minor expects. Every combination of
/// one value per axis is supported; the values marked default make the default images.
/// </summary>
public sealed partial record SupportMatrix(
    int SchemaVersion,
    string Reviewed,
    IReadOnlyList<UbuntuRelease> Ubuntu,
    IReadOnlyList<DriverBranch> NvidiaDriverBranches,
    IReadOnlyList<KubernetesMinor> Kubernetes)
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>Where the table lives in the repository (named in messages and the README).</summary>
    public const string RepositoryPath = "build/Matrix/supported-matrix.json";

    private const string ResourceName = "GpuImageBuilder.Build.Matrix.supported-matrix.json";

    private static readonly Lazy<SupportMatrix> Embedded = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{RepositoryPath} is not embedded in the build (Build.csproj EmbeddedResource)");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), RepositoryPath);
    });

    private static readonly JsonSerializerSettings Settings = new()
    {
        ContractResolver = new DefaultContractResolver { NamingStrategy = new CamelCaseNamingStrategy() },
        MissingMemberHandling = MissingMemberHandling.Ignore,
    };

    /// <summary>The table this build was compiled with.</summary>
    public static SupportMatrix Current => Embedded.Value;

    public UbuntuRelease DefaultUbuntu => Ubuntu.Single(u => u.Default);

    public DriverBranch DefaultBranch => NvidiaDriverBranches.Single(b => b.Default);

    public KubernetesMinor DefaultKubernetes => Kubernetes.Single(k => k.Default);

    /// <summary>The table's text read into records; any broken rule is one exception naming the file, the entry and the fix.</summary>
    public static SupportMatrix Parse(string json, string source)
    {
        SupportMatrix? matrix;
        try
        {
            matrix = JsonConvert.DeserializeObject<SupportMatrix>(json, Settings);
        }
        catch (JsonException ex)
        {
            throw new SupportMatrixException($"{source}: not valid JSON ({ex.Message})");
        }

        if (matrix is null)
        {
            throw new SupportMatrixException($"{source}: empty");
        }

        var problems = matrix.Problems().ToList();
        return problems.Count == 0 ? matrix : throw new SupportMatrixException($"{source}: {string.Join("; ", problems)}");
    }

    /// <summary>Every combination of one value per axis, the default first, then in table order.</summary>
    public IEnumerable<MatrixCombination> Combinations()
    {
        var all =
            from ubuntu in Ubuntu
            from branch in NvidiaDriverBranches
            from kubernetes in Kubernetes
            select new MatrixCombination(ubuntu, branch, kubernetes, branch.DriverVersion, kubernetes.Version, branch.ContainerToolkitVersion);
        return all.OrderBy(c => c.IsDefault ? 0 : 1);
    }

    public UbuntuRelease? FindUbuntu(string version) => Ubuntu.FirstOrDefault(u => u.Version == version);

    public DriverBranch? FindBranch(string branch) => NvidiaDriverBranches.FirstOrDefault(b => b.Branch == branch);

    public KubernetesMinor? FindKubernetes(string minor) => Kubernetes.FirstOrDefault(k => k.Minor == minor);

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256();

    [GeneratedRegex(@"^\d{3}$")]
    private static partial Regex BranchNumber();

    [GeneratedRegex(@"^v\d+\.\d+$")]
    private static partial Regex Minor();

    [GeneratedRegex(@"^registry\.k8s\.io/pause:\d+\.\d+(\.\d+)?$")]
    private static partial Regex PauseImage();

    private IEnumerable<string> Problems()
    {
        if (SchemaVersion != CurrentSchemaVersion)
        {
            yield return $"schemaVersion {SchemaVersion}, this build reads {CurrentSchemaVersion}";
        }

        if (!DateOnly.TryParseExact(Reviewed ?? string.Empty, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            yield return "reviewed must be the date the table was last checked, yyyy-MM-dd";
        }

        foreach (var (axis, defaults, count) in new[]
                 {
                     ("ubuntu", Ubuntu?.Count(u => u.Default) ?? 0, Ubuntu?.Count ?? 0),
                     ("nvidiaDriverBranches", NvidiaDriverBranches?.Count(b => b.Default) ?? 0, NvidiaDriverBranches?.Count ?? 0),
                     ("kubernetes", Kubernetes?.Count(k => k.Default) ?? 0, Kubernetes?.Count ?? 0),
                 })
        {
            if (count == 0 || defaults != 1)
            {
                yield return $"{axis} needs at least one entry and exactly one with \"default\": true (has {count} entries, {defaults} default)";
            }
        }

        foreach (var u in Ubuntu ?? [])
        {
            if (u.BaseImage is not { } image || !Uri.TryCreate(image.Url, UriKind.Absolute, out var url) || url.Scheme != "https")
            {
                yield return $"ubuntu {u.Version}: baseImage.url must be an https URL";
            }
            else if (!Sha256().IsMatch(image.Sha256 ?? string.Empty))
            {
                // A release without a known checksum cannot be built: Packer would have nothing to verify the download with.
                yield return $"ubuntu {u.Version}: baseImage.sha256 must be the 64 lower-case hex digits from the release's SHA256SUMS (never a guess)";
            }
            else if (!DateOnly.TryParseExact(image.Released ?? string.Empty, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                yield return $"ubuntu {u.Version}: baseImage.released must be the release date, yyyy-MM-dd";
            }

            if (string.IsNullOrEmpty(u.CudaRepositoryDistro) || u.CudaRepositoryDistro != "ubuntu" + u.Version.Replace(".", string.Empty, StringComparison.Ordinal))
            {
                yield return $"ubuntu {u.Version}: cudaRepositoryDistro must be ubuntu{u.Version.Replace(".", string.Empty, StringComparison.Ordinal)} (NVIDIA's folder name for that release)";
            }
        }

        foreach (var b in NvidiaDriverBranches ?? [])
        {
            if (!BranchNumber().IsMatch(b.Branch ?? string.Empty) || !(b.DriverVersion ?? string.Empty).StartsWith(b.Branch + ".", StringComparison.Ordinal))
            {
                yield return $"driver branch {b.Branch}: driverVersion '{b.DriverVersion}' must be a full version of that branch";
            }

            // Fabric manager refuses to start unless it is at exactly the driver's version.
            if (b.FabricManagerVersion != b.DriverVersion)
            {
                yield return $"driver branch {b.Branch}: fabricManagerVersion '{b.FabricManagerVersion}' must equal driverVersion '{b.DriverVersion}'";
            }

            if (b.Kind is not ("feature" or "production" or "long-term"))
            {
                yield return $"driver branch {b.Branch}: kind must be feature, production or long-term";
            }
        }

        foreach (var k in Kubernetes ?? [])
        {
            if (!Minor().IsMatch(k.Minor ?? string.Empty) || !(k.Version ?? string.Empty).StartsWith(k.Minor + ".", StringComparison.Ordinal))
            {
                yield return $"kubernetes {k.Minor}: version '{k.Version}' must be a vX.Y.Z of that minor";
            }

            if (k.PackageRepository != $"https://pkgs.k8s.io/core:/stable:/{k.Minor}/deb/")
            {
                yield return $"kubernetes {k.Minor}: packageRepository must be https://pkgs.k8s.io/core:/stable:/{k.Minor}/deb/ (what 03-kubernetes-tools.sh derives from the version)";
            }

            if (!PauseImage().IsMatch(k.PauseImage ?? string.Empty))
            {
                yield return $"kubernetes {k.Minor}: pauseImage must be registry.k8s.io/pause:<version>, kubeadm's PauseVersion of that minor";
            }
        }
    }
}

/// <summary>One Ubuntu release: its base cloud image (pinned, dated) and the names that differ from release to release.</summary>
/// <param name="CudaRepositoryDistro">NVIDIA's CUDA repository folder (ubuntu2204, ubuntu2404): the cuda-keyring URL and the driver packages' source.</param>
public sealed record UbuntuRelease(string Version, string Codename, bool Default, BaseImagePin BaseImage, string CudaRepositoryDistro);

/// <summary>A base image at one release serial: its URL, the SHA-256 from the release's SHA256SUMS, its date, where the checksum was read.</summary>
public sealed record BaseImagePin(string Url, string Sha256, string Released, string Source)
{
    /// <summary>Packer's iso_checksum form.</summary>
    public string PackerChecksum => "sha256:" + Sha256;
}

/// <summary>One NVIDIA driver branch, with the default full version and what must match it.</summary>
/// <param name="Kind">feature (a new-feature branch, short support), production or long-term.</param>
/// <param name="Ended">NVIDIA no longer supports the branch; --help and the README say so.</param>
public sealed record DriverBranch(
    string Branch,
    string Kind,
    bool Ended,
    bool Default,
    string DriverVersion,
    string FabricManagerVersion,
    string ContainerToolkitVersion,
    string? Note)
{
    /// <summary>The fabric manager package of the branch (NVSwitch systems).</summary>
    public string FabricManagerPackage => $"nvidia-fabricmanager-{Branch}";

    /// <summary>"565 (feature branch, ended)" and the like, for --help and error messages.</summary>
    public string Describe() => $"{Branch} ({Kind} branch{(Ended ? ", ended" : string.Empty)}{(Default ? ", default" : string.Empty)})";
}

/// <summary>One Kubernetes minor: the default patch version, its pkgs.k8s.io repository and kubeadm's pause image.</summary>
public sealed record KubernetesMinor(string Minor, bool Default, string Version, string PackageRepository, string PauseImage);

public sealed class SupportMatrixException(string message) : Exception(message);
