namespace GpuImageBuilder.Build.Services.Audit;

/// <summary>
/// What an image contains, read from the image (its dpkg status, and the nvidia modules DKMS built), never from the
/// parameters: the kernels, the Kubernetes tools, containerd, the NVIDIA driver packages and <c>nvidia.ko</c>'s
/// version, the container toolkit. GeneratePayload takes the region's <c>gpu.driver</c> and software versions from here.
/// </summary>
public sealed record ImageContents(
    IReadOnlyList<string> Kernels,
    string? Kubelet,
    string? Kubeadm,
    string? Kubectl,
    string? Containerd,
    IReadOnlyDictionary<string, string> NvidiaDriverPackages,
    IReadOnlyList<string> NvidiaKernelModules,
    string? NvidiaContainerToolkit)
{
    public const string DkmsNvidiaDirectory = "/var/lib/dkms/nvidia";

    /// <summary>"v1.30.14" from kubelet's Debian version "1.30.14-1.1"; null without kubelet.</summary>
    public string? KubernetesVersion => Kubelet is { } version ? "v" + Upstream(version) : null;

    /// <summary>The driver the image really runs: nvidia.ko's version, else the driver packages' upstream version.</summary>
    public string? NvidiaDriverVersion =>
        NvidiaKernelModules.Count > 0 ? NvidiaKernelModules[0]
        : NvidiaDriverPackages.Values.Select(Upstream).FirstOrDefault();

    public static ImageContents From(IReadOnlyList<InstalledPackage> packages, IReadOnlyList<string> nvidiaModuleVersions)
    {
        string? Version(params string[] names) => packages.FirstOrDefault(p => names.Contains(p.Name, StringComparer.Ordinal))?.Version;
        return new ImageContents(
            // linux-image-<release> (linux-image-5.15.0-122-generic); the meta packages (linux-image-generic) name no release.
            packages.Where(p => p.Name.StartsWith("linux-image-", StringComparison.Ordinal) && char.IsAsciiDigit(p.Name["linux-image-".Length..].FirstOrDefault()))
                .Select(p => p.Name["linux-image-".Length..]).Order(StringComparer.Ordinal).ToList(),
            Version("kubelet"),
            Version("kubeadm"),
            Version("kubectl"),
            Version("containerd", "containerd.io"),
            packages.Where(p => p.Name.StartsWith("nvidia-", StringComparison.Ordinal) && !p.Name.StartsWith("nvidia-container", StringComparison.Ordinal))
                .OrderBy(p => p.Name, StringComparer.Ordinal).ToDictionary(p => p.Name, p => p.Version, StringComparer.Ordinal),
            [.. nvidiaModuleVersions.Order(StringComparer.Ordinal)],
            Version("nvidia-container-toolkit"));
    }

    /// <summary>Where what was asked for and what the image has differ: one line each, with both values.</summary>
    public IReadOnlyList<string> Mismatches(AuditExpectations expected)
    {
        var problems = new List<string>();
        if (expected.NvidiaDriverVersion is { } asked)
        {
            if (NvidiaKernelModules.Count == 0)
            {
                problems.Add($"nvidia.ko: asked for driver {asked} (--nvidia-driver-version), found no DKMS-built nvidia module ({DkmsNvidiaDirectory} is empty or missing)");
            }
            else if (!NvidiaKernelModules.Contains(asked, StringComparer.Ordinal))
            {
                problems.Add($"nvidia.ko: asked for driver {asked} (--nvidia-driver-version), found {string.Join(", ", NvidiaKernelModules)}");
            }
        }
        else if (NvidiaKernelModules.Count > 0)
        {
            problems.Add($"nvidia.ko: this image is defined without the NVIDIA driver, found nvidia module {string.Join(", ", NvidiaKernelModules)}");
        }

        return problems;
    }

    /// <summary>A Debian version's upstream part: "565.57.01-0ubuntu1" → "565.57.01", "1:1.7.12-1" → "1.7.12".</summary>
    public static string Upstream(string debianVersion)
    {
        var withoutEpoch = debianVersion.Contains(':') ? debianVersion[(debianVersion.IndexOf(':') + 1)..] : debianVersion;
        var dash = withoutEpoch.LastIndexOf('-');
        return dash > 0 ? withoutEpoch[..dash] : withoutEpoch;
    }
}
