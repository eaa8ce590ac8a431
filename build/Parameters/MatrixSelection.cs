using GpuImageBuilder.Build.Matrix;

namespace GpuImageBuilder.Build.Parameters;

/// <summary>
/// Turns the three axis parameters into one supported combination of <see cref="SupportMatrix"/>: --ubuntu-version
/// picks the release (codename, base image, CUDA repository), --nvidia-driver-version the branch (fabric manager,
/// default toolkit), --kubernetes-version the minor (package repository, pause image). A value outside the table is
/// one problem naming the input and listing what is supported; the default combination then stands in, so building
/// the parameters never throws (a run with a problem stops before any task).
/// </summary>
public static class MatrixSelection
{
    /// <param name="ubuntuVersion">Well-formed, or null when the given value broke its rule (already reported).</param>
    /// <param name="ubuntuCodename">The codename given explicitly, or null.</param>
    /// <param name="driverVersion">Well-formed, or null when rejected.</param>
    /// <param name="kubernetesVersion">Well-formed, or null when rejected.</param>
    /// <param name="toolkitVersion">The toolkit version given explicitly, or null: the branch's matched one.</param>
    public static MatrixCombination Resolve(
        SupportMatrix matrix,
        string? ubuntuVersion,
        string? ubuntuCodename,
        string? driverVersion,
        string? kubernetesVersion,
        string? toolkitVersion,
        ICollection<ParameterProblem> problems)
    {
        var ubuntu = matrix.DefaultUbuntu;
        if (ubuntuVersion is not null)
        {
            if (matrix.FindUbuntu(ubuntuVersion) is { } release)
            {
                ubuntu = release;
            }
            else
            {
                problems.Add(new(ParameterGroup.None, $"--{Arg.UbuntuVersion} ({Env.UbuntuVersion}) = '{ubuntuVersion}': not a supported Ubuntu release; supported: {SupportedUbuntu(matrix)} ({SupportMatrix.RepositoryPath})"));
            }
        }

        if (ubuntuCodename is not null && ubuntuCodename != ubuntu.Codename && (ubuntuVersion is null || matrix.FindUbuntu(ubuntuVersion) is not null))
        {
            problems.Add(new(ParameterGroup.None, $"--{Arg.UbuntuCodename} ({Env.UbuntuCodename}) = '{ubuntuCodename}': Ubuntu {ubuntu.Version} is {ubuntu.Codename}; drop --{Arg.UbuntuCodename} (--{Arg.UbuntuVersion} alone picks the codename)"));
        }

        var branch = matrix.DefaultBranch;
        var driver = branch.DriverVersion;
        if (driverVersion is not null)
        {
            var number = driverVersion.Split('.')[0];
            if (matrix.FindBranch(number) is { } found)
            {
                (branch, driver) = (found, driverVersion);
            }
            else
            {
                problems.Add(new(ParameterGroup.None, $"--{Arg.NvidiaDriverVersion} ({Env.NvidiaDriverVersion}) = '{driverVersion}': driver branch {number} is not supported; supported branches: {SupportedBranches(matrix)} ({SupportMatrix.RepositoryPath})"));
            }
        }

        var kubernetes = matrix.DefaultKubernetes;
        var kubernetesFull = kubernetes.Version;
        if (kubernetesVersion is not null)
        {
            var minor = kubernetesVersion[..kubernetesVersion.LastIndexOf('.')];
            if (matrix.FindKubernetes(minor) is { } found)
            {
                (kubernetes, kubernetesFull) = (found, kubernetesVersion);
            }
            else
            {
                problems.Add(new(ParameterGroup.None, $"--{Arg.KubernetesVersion} ({Env.KubernetesVersion}) = '{kubernetesVersion}': Kubernetes {minor} is not supported; supported minors: {SupportedKubernetes(matrix)} ({SupportMatrix.RepositoryPath})"));
            }
        }

        return new MatrixCombination(ubuntu, branch, kubernetes, driver, kubernetesFull, toolkitVersion ?? branch.ContainerToolkitVersion);
    }

    public static string SupportedUbuntu(SupportMatrix matrix) =>
        string.Join(", ", matrix.Ubuntu.Select(u => $"{u.Version} ({u.Codename}{(u.Default ? ", default" : string.Empty)})"));

    public static string SupportedBranches(SupportMatrix matrix) =>
        string.Join(", ", matrix.NvidiaDriverBranches.Select(b => b.Describe()));

    public static string SupportedKubernetes(SupportMatrix matrix) =>
        string.Join(", ", matrix.Kubernetes.Select(k => $"{k.Minor} ({(k.Default ? "default, " : string.Empty)}pause {k.PauseImage[(k.PauseImage.LastIndexOf(':') + 1)..]})"));
}
