using GpuImageBuilder.Build.Images;

namespace GpuImageBuilder.Build.Matrix;

/// <summary>
/// One supported combination: an Ubuntu release, a driver branch at a full version, a Kubernetes minor at a full
/// version, and the container toolkit version that goes with the branch. Knows the names its images are published
/// under, so that every combination can be registered beside the others.
/// </summary>
public sealed record MatrixCombination(
    UbuntuRelease Ubuntu,
    DriverBranch Branch,
    KubernetesMinor Kubernetes,
    string DriverVersion,
    string KubernetesVersion,
    string ContainerToolkitVersion)
{
    /// <summary>The combination the default images are built from (their names carry no qualifier).</summary>
    public bool IsDefault => Ubuntu.Default && Branch.Default && Kubernetes.Default;

    /// <summary>A short, stable key for CI job names: <c>ubuntu22.04-nvidia565-k8s1.30</c>.</summary>
    public string Id => $"ubuntu{Ubuntu.Version}-nvidia{Branch.Branch}-k8s{Kubernetes.Minor.TrimStart('v')}";

    /// <summary>
    /// The name an image of this combination is published under, before the version suffix. The default
    /// combination keeps the definition's name (gpu-ready, nvidia-firmware1), so existing users see no change.
    /// Another driver branch goes into the name of an image that carries the driver (nvidia-580-firmware1); another
    /// Ubuntu release or Kubernetes minor is appended to an image that carries it (gpu-ready-noble-k8s1.33), so that
    /// no two combinations ever publish the same name.
    /// </summary>
    public string PublishedName(string image, ImageAxes axes)
    {
        var name = image;
        if (axes.Driver && !Branch.Default)
        {
            name = name.StartsWith("nvidia-", StringComparison.Ordinal) ? $"nvidia-{Branch.Branch}-{name["nvidia-".Length..]}" : $"{name}-nvidia{Branch.Branch}";
        }

        if (axes.Ubuntu && !Ubuntu.Default)
        {
            name += "-" + Ubuntu.Codename;
        }

        if (axes.Kubernetes && !Kubernetes.Default)
        {
            name += "-k8s" + Kubernetes.Minor.TrimStart('v');
        }

        return name;
    }
}

/// <summary>
/// Which axes of the matrix an image carries, read from its definition: the driver (04 runs), Kubernetes (03 runs),
/// and the Ubuntu release of the parameters (a definition that pins its own OS, like the Debian fixture, does not).
/// An axis the image does not carry leaves its name alone: gpu-ready is the same image whatever the driver branch.
/// </summary>
public sealed record ImageAxes(bool Driver, bool Kubernetes, bool Ubuntu)
{
    public static readonly ImageAxes None = new(false, false, false);

    public static ImageAxes Of(ImageDefinition image)
    {
        var features = image.Features;
        string? Scalar(string variable) => image.Variables.TryGetValue(variable, out var v) ? v.Scalar : null;
        var followsUbuntu = (Scalar(ImageIdentity.DistroVariable) ?? ImageIdentity.Ubuntu) == ImageIdentity.Ubuntu
            && string.IsNullOrEmpty(Scalar(ImageIdentity.VersionVariable));
        return new ImageAxes(features.NvidiaDriver, features.Kubernetes, followsUbuntu);
    }
}
