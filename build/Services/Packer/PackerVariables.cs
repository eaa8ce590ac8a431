using System.Globalization;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Matrix;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Services.Packer;

/// <summary>What one Packer run of one image needs beyond the parameters.</summary>
public sealed record PackerRun(
    ImageDefinition Image,
    string BaseImageUrl,
    string BaseImageChecksum,
    bool RunBaseScripts,
    string OutputDirectory,
    string VmName,
    string SeedDirectory,
    string SshPrivateKeyFile,
    string Accelerator,
    string? SerialLog)
{
    /// <summary>vCPUs of the build VM when they differ from --cpus (one under TCG: see <see cref="Vm.VmCpus"/>).</summary>
    public int? Cpus { get; init; }
}

/// <summary>
/// The -var-file/-var arguments of a Packer run. The image definition supplies what is specific to the image; the
/// build supplies everything in <see cref="SetByBuild"/>, from the parameters, so one value has one source.
/// </summary>
public static class PackerVariables
{
    /// <summary>Variables the build always passes; an image definition that sets one is an error (Validate).</summary>
    public static readonly IReadOnlyDictionary<string, string> SetByBuild = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["run_base_scripts"] = "the build (layering)",
        ["scripts_dir"] = "the build",
        ["cloud_init_config"] = "the build",
        ["output_directory"] = "the build",
        ["vm_name"] = "the build",
        ["base_image_url"] = $"--{Arg.BaseImage}",
        ["base_image_checksum"] = $"--{Arg.BaseImageChecksum}",
        ["disk_size"] = $"--{Arg.DiskSize}",
        ["memory"] = $"--{Arg.Memory}",
        ["cpus"] = $"--{Arg.Cpus}",
        ["accelerator"] = $"--{Arg.Accelerator}",
        ["seed_dir"] = "the build",
        ["ssh_private_key_file"] = "the build",
        ["serial_log"] = "the build",
        ["kubernetes_version"] = $"--{Arg.KubernetesVersion}",
        ["nvidia_driver_version"] = $"--{Arg.NvidiaDriverVersion}",
        ["nvidia_kernel_module_flavor"] = $"--{Arg.NvidiaKernelModules}",
        ["nvidia_container_toolkit_version"] = $"--{Arg.NvidiaContainerToolkitVersion}",
        ["nvidia_install_fabricmanager"] = $"--{Arg.NvidiaFabricManager}",
        ["module_signing_key"] = $"--{Arg.ModuleSigningKey}",
        ["module_signing_cert"] = $"--{Arg.ModuleSigningCert}",
        ["containerd_sandbox_image"] = $"--{Arg.KubernetesVersion} (the minor's pause image, {SupportMatrix.RepositoryPath})",
        ["nvidia_cuda_repo_distro"] = $"--{Arg.UbuntuVersion} ({SupportMatrix.RepositoryPath})",
    };

    public static IReadOnlyList<KeyValuePair<string, string>> Values(PackerRun run, BuildParameters parameters, AssetPaths assets)
    {
        var vm = parameters.Vm;
        return
        [
            new("run_base_scripts", run.RunBaseScripts ? "true" : "false"),
            new("scripts_dir", assets.Scripts),
            new("cloud_init_config", assets.FirstBootConfig),
            new("output_directory", run.OutputDirectory),
            new("vm_name", run.VmName),
            new("base_image_url", run.BaseImageUrl),
            new("base_image_checksum", run.BaseImageChecksum),
            new("disk_size", vm.DiskSize),
            new("memory", vm.MemoryMiB.ToString(CultureInfo.InvariantCulture)),
            new("cpus", (run.Cpus ?? vm.Cpus).ToString(CultureInfo.InvariantCulture)),
            new("accelerator", run.Accelerator),
            new("seed_dir", run.SeedDirectory),
            new("ssh_private_key_file", run.SshPrivateKeyFile),
            new("serial_log", run.SerialLog ?? string.Empty),
            new("kubernetes_version", parameters.KubernetesVersion),
            new("nvidia_driver_version", parameters.NvidiaDriverVersion),
            new("nvidia_kernel_module_flavor", parameters.NvidiaKernelModules),
            new("nvidia_container_toolkit_version", parameters.NvidiaContainerToolkitVersion),
            new("nvidia_install_fabricmanager", parameters.NvidiaFabricManager ? "1" : "0"),
            // Paths only: Packer's file provisioner copies the files into the guest (empty: no signing, no copy).
            new("module_signing_key", parameters.ModuleSigning?.KeyFile ?? string.Empty),
            new("module_signing_cert", parameters.ModuleSigning?.CertificateFile ?? string.Empty),
            .. MatrixValues(parameters.Combination),
        ];
    }

    /// <summary>What the matrix derives from the axis parameters, beyond the versions themselves.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> MatrixValues(MatrixCombination combination) =>
    [
        // kubeadm of this minor pulls this pause image; containerd must use the same one (issue 11, item 4).
        new("containerd_sandbox_image", combination.Kubernetes.PauseImage),
        new("nvidia_cuda_repo_distro", combination.Ubuntu.CudaRepositoryDistro),
    ];

    /// <summary>The image's var file first, then the build's values (later ones win in Packer).</summary>
    public static IReadOnlyList<string> Arguments(PackerRun run, BuildParameters parameters, AssetPaths assets)
    {
        var args = new List<string> { $"-var-file={run.Image.VarFile}" };
        foreach (var (key, value) in Values(run, parameters, assets))
        {
            args.Add("-var");
            args.Add($"{key}={value}");
        }

        return args;
    }
}
