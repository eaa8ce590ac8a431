using System.Text;
using GpuImageBuilder.Build.Matrix;

namespace GpuImageBuilder.Build.Parameters;

/// <summary>Every input of the build, in the order --help lists them.</summary>
public static class ParameterCatalog
{
    private const ParameterGroup Images = ParameterGroup.Images;
    private const ParameterGroup Build = ParameterGroup.Build;
    private const ParameterGroup S3Location = ParameterGroup.S3Location;
    private const ParameterGroup S3Credentials = ParameterGroup.S3Credentials;
    private const ParameterGroup Region = ParameterGroup.Region;
    private const ParameterGroup Instance = ParameterGroup.Instance;
    private const ParameterGroup ContainerImages = ParameterGroup.ContainerImages;
    private const ParameterGroup Registry = ParameterGroup.Registry;

    // Declared before All: static fields initialise in text order.
    private static readonly SupportMatrix Table = SupportMatrix.Current;

    public static readonly IReadOnlyList<ParameterDefinition> All =
    [
        new(Arg.Image, Env.Image, "Image_Selection", "all", "Which image(s) to build: an image definition's name, or all.", "gpu-ready, nvidia-firmware1 or all", Images, true, false, Rules.NotEmpty),
        new(Arg.ImageVersion, Env.ImageVersion, "Image_Version", null, "Version suffix of the registered names (<image>-<version>). Default: today's date, yyyyMMdd (UTC).", "letters, digits, '-', '_' or '.', e.g. 20261121 or v1.2.0", Images, false, false, Rules.ImageVersion),
        new(Arg.UbuntuVersion, Env.UbuntuVersion, "Image_UbuntuVersion", Table.DefaultUbuntu.Version, $"Ubuntu release; alone it picks the codename, the pinned base cloud image and the CUDA repository. Supported: {MatrixSelection.SupportedUbuntu(Table)}.", "a version like 22.04", Images, true, false, Rules.Ubuntu),
        new(Arg.UbuntuCodename, Env.UbuntuCodename, "Image_UbuntuCodename", null, "Optional: the codename of --ubuntu-version, checked (kept for old scripts); it follows --ubuntu-version.", "a codename like jammy", Images, false, false, Rules.UbuntuCodename),
        new(Arg.KubernetesVersion, Env.KubernetesVersion, "Image_KubernetesVersion", Table.DefaultKubernetes.Version, $"kubelet/kubeadm/kubectl version, pinned and held; its minor picks the pkgs.k8s.io repository and containerd's pause image. Supported minors: {MatrixSelection.SupportedKubernetes(Table)}.", "a version like v1.30.14", Images, true, false, Rules.Kubernetes),
        new(Arg.NvidiaDriverVersion, Env.NvidiaDriverVersion, "Image_NvidiaDriverVersion", Table.DefaultBranch.DriverVersion, $"NVIDIA datacenter driver, exact version (nvidia-firmware1); its branch picks the fabric manager and the toolkit. Branches: {MatrixSelection.SupportedBranches(Table)}; 565 is an ended feature branch, prefer 570 or 580.", "a full version like 565.57.01", Images, true, false, Rules.NvidiaDriver),
        new(Arg.NvidiaKernelModules, Env.NvidiaKernelModules, "Image_NvidiaKernelModules", "open", "NVIDIA kernel modules: open (recommended for Hopper) or proprietary.", "open or proprietary", Images, true, false, Rules.KernelModules),
        new(Arg.NvidiaContainerToolkitVersion, Env.NvidiaContainerToolkitVersion, "Image_NvidiaContainerToolkitVersion", Table.DefaultBranch.ContainerToolkitVersion, $"NVIDIA Container Toolkit version, pinned. Default: the one the matrix matches with the driver branch ({string.Join(", ", Table.NvidiaDriverBranches.Select(b => $"{b.Branch}: {b.ContainerToolkitVersion}"))}).", "a version like 1.17.8", Images, true, false, Rules.Toolkit),
        new(Arg.NvidiaFabricManager, Env.NvidiaFabricManager, "Image_NvidiaFabricManager", "true", "Install nvidia-fabricmanager-<branch> at exactly the driver version and nvidia-persistenced, enabled (HGX/NVSwitch systems need them for CUDA to start; where there is no NVSwitch or GPU the units are skipped). false leaves them out.", "true or false", Images, true, false, Rules.Boolean),
        new(Arg.ModuleSigningKey, Env.ModuleSigningKey, "Image_ModuleSigningKey", null, "Secure Boot: PEM private key (a file; its content is secret) the DKMS-built nvidia modules are signed with (kmodsign), enrolled as a MOK on the machines. Given with --module-signing-cert; unset: modules stay unsigned and need Secure Boot off. The key reaches only a root-only tmpfs path in the build VM, removed when 04 ends.", "a readable PEM private key file", Images, false, false, Rules.ReadableFile),
        new(Arg.ModuleSigningCert, Env.ModuleSigningCert, "Image_ModuleSigningCert", null, "Secure Boot: the X.509 certificate (PEM or DER file) of --module-signing-key.", "a readable certificate file", Images, false, false, Rules.ReadableFile),
        new(Arg.GpuModels, Env.GpuModels, "Image_GpuModels", "H100,H200", "GPU models the images are for (region gpu.models), comma-separated.", "a comma-separated list like H100,H200 (letters, digits, _)", Images, true, false, Rules.GpuModels),
        new(Arg.OutputDir, Env.OutputDir, "Build_OutputDir", "output", "Where artifacts go (git-ignored).", "a directory path", Images, true, false, Rules.NotEmpty),
        new(Arg.Definitions, Env.Definitions, "Build_Definitions", "templates/images", "Folder of image definitions (<name>.pkrvars.hcl); CI points it at the offline fixture's.", "a directory with *.pkrvars.hcl files", Images, true, false, Rules.NotEmpty),
        new(Arg.BaseImage, Env.BaseImage, "Build_BaseImage", null, "Base image URL or path, for mirrors and offline builds. Default: the Ubuntu cloud image pinned in templates/variables.pkr.hcl.", "an http(s) URL or an existing file", Build, false, false, Rules.BaseImage),
        new(Arg.BaseImageChecksum, Env.BaseImageChecksum, "Build_BaseImageChecksum", null, "SHA-256 of --base-image (required with it).", "sha256:<64 hex digits>", Build, false, false, Rules.Checksum),
        new(Arg.Accelerator, Env.Accelerator, "Build_Accelerator", "auto", "QEMU accelerator: auto probes KVM with a real test boot and falls back to TCG.", "auto, kvm or tcg", Build, true, false, Rules.Accelerator),
        new(Arg.Memory, Env.Memory, "Build_Memory", "2048", "Build VM memory, MiB.", "a number of MiB, e.g. 2048", Build, true, false, Rules.MemoryMiB),
        new(Arg.Cpus, Env.Cpus, "Build_Cpus", "2", "Build VM CPUs under KVM (under TCG every VM gets 1: several vCPUs stall Linux guests there, see README).", "a number, e.g. 2", Build, true, false, Rules.Cpus),
        new(Arg.DiskSize, Env.DiskSize, "Build_DiskSize", "8G", "Virtual disk size of the image (the region sizes flavors by it; grown at first boot).", "a size like 8G", Build, true, false, Rules.DiskSize),
        new(Arg.PackerTimeout, Env.PackerTimeout, "Build_PackerTimeout", "2h", "Longest a Packer build may run before it is stopped.", "a duration like 90m or 2h", Build, true, false, Rules.PackerDuration),
        new(Arg.SmokeTimeout, Env.SmokeTimeout, "Build_SmokeTimeout", "15m", "Longest a smoke boot may take to print its marker (TCG is slow: minutes).", "a duration like 10m", Build, true, false, Rules.PackerDuration),
        new(Arg.StallTimeout, Env.StallTimeout, "Build_StallTimeout", "3m", "A VM (Packer build, smoke boot, audit appliance) with no new serial or progress output for this long is stopped as stalled and retried once on fresh scratch.", "a duration like 3m", Build, true, false, Rules.PackerDuration),
        new(Arg.KeepVm, Env.KeepVm, null, "false", "SmokeBoot leaves the VM running (SSH on 127.0.0.1, key printed) instead of powering it off.", "true or false", Build, true, false, Rules.Boolean),
        new(Arg.S3Endpoint, Env.S3Endpoint, "S3_Endpoint", null, "S3-compatible endpoint URL (empty: AWS S3 of --s3-region).", "an http(s) URL like https://s3.example.com", S3Location, false, false, Rules.HttpUrl),
        new(Arg.S3Bucket, Env.S3Bucket, "S3_Bucket", null, "Bucket the raw images are uploaded to.", "a bucket name like gpu-images", S3Location, true, false, Rules.Bucket),
        new(Arg.S3Prefix, Env.S3Prefix, "S3_Prefix", "gpu-images", "Key prefix inside the bucket.", "a relative key prefix like gpu-images", S3Location, false, false, Rules.Prefix),
        new(Arg.S3Region, Env.S3Region, "S3_Region", "us-east-1", "S3 region (signing region for S3-compatible servers).", "a region like us-east-1", S3Location, true, false, Rules.Region),
        new(Arg.S3PathStyle, Env.S3PathStyle, "S3_PathStyle", "false", "Path-style bucket addressing (most S3-compatible servers need it).", "true or false", S3Location, true, false, Rules.Boolean),
        new(Arg.S3UrlMode, Env.S3UrlMode, "S3_UrlMode", "public", "How the region fetches the raw: public (public-read object, proven by an anonymous GET) or presigned (a signed GET URL, made when registering).", "public or presigned", S3Location, true, false, Rules.UrlMode),
        new(Arg.S3PresignExpiry, Env.S3PresignExpiry, "S3_PresignExpiry", "24h", "Lifetime of a presigned URL (the region's import can take up to 1h; SigV4 allows at most 7 days).", "a duration like 24h (at most 168h)", S3Location, true, false, Rules.PresignExpiry),
        new(Arg.UploadPartSize, Env.UploadPartSize, "S3_UploadPartSize", "64M", "Multipart upload part size (S3 allows 5M to 5G, and at most 10000 parts).", "a size like 64M", S3Location, true, false, Rules.PartSize),
        new(Arg.UploadParallelism, Env.UploadParallelism, "S3_UploadParallelism", "4", "Parts uploaded at once.", "a number from 1 to 32", S3Location, true, false, Rules.Parallelism),
        new(Arg.S3AccessKey, Env.S3AccessKey, null, null, "S3 access key ID (secret: never printed). Unset: the AWS SDK's standard chain (AWS_PROFILE, ~/.aws/credentials, instance role).", "the access key ID of the bucket's credentials", S3Credentials, false, true, Rules.Token),
        new(Arg.S3SecretKey, Env.S3SecretKey, null, null, "S3 secret access key (secret: never printed); given with --s3-access-key.", "the secret access key of the bucket's credentials", S3Credentials, false, true, Rules.Token),
        new(Arg.RegionUrl, Env.RegionUrl, "Region_Url", null, "Base URL of the region service API.", "an https URL like https://region.example.com", Region, true, false, Rules.RegionUrl),
        new(Arg.OrganizationId, Env.OrganizationId, "Region_OrganizationId", null, "Organization that owns the images.", "the organization's UUID, e.g. 9a8b7c6d-1234-4e5f-8a9b-0c1d2e3f4a5b", Region, true, false, Rules.Uuid),
        new(Arg.RegionId, Env.RegionId, "Region_RegionId", null, "Region the images are registered in.", "the region's UUID, e.g. c7568e2d-f9ab-453d-9a3a-51375f78426b", Region, true, false, Rules.Uuid),
        new(Arg.Token, Env.Token, null, null, "Service-account token for the region API (secret: never printed).", "a service-account token, sent as Authorization: Bearer", Region, true, true, Rules.Token),
        new(Arg.Replace, Env.Replace, null, "false", "Register: an owned image of the same name with other content is deleted and registered again (without it: an error).", "true or false", Region, true, false, Rules.Boolean),
        new(Arg.PollInterval, Env.PollInterval, "Region_PollInterval", "15s", "Register: how often the image list is read while the region imports (the region's own tests use 15s).", "a duration like 15s", Region, true, false, Rules.PackerDuration),
        new(Arg.RegisterTimeout, Env.RegisterTimeout, "Region_RegisterTimeout", "1h", "Register: longest wait for an image to become ready (the region's own tests wait 1h).", "a duration like 1h", Region, true, false, Rules.PackerDuration),
        new(Arg.InstanceHost, Env.InstanceHost, "Instance_Host", null, "VerifyInstance: host (or ssh config alias) of an instance booted from nvidia-firmware1.", "a host name, IP address or ssh config Host alias", Instance, true, false, Rules.SshHost),
        new(Arg.InstanceUser, Env.InstanceUser, "Instance_User", "ubuntu", "VerifyInstance: SSH user (needs passwordless sudo).", "a user name like ubuntu", Instance, true, false, Rules.SshUser),
        new(Arg.SshKey, Env.SshKey, "Instance_SshKey", null, "VerifyInstance: private key file (unset: your ssh config and agent decide).", "an existing private key file", Instance, false, false, Rules.ExistingFile),
        new(Arg.SshPort, Env.SshPort, "Instance_SshPort", "22", "VerifyInstance: SSH port.", "a port from 1 to 65535", Instance, true, false, Rules.Port),
        new(Arg.SshKnownHosts, Env.SshKnownHosts, "Instance_SshKnownHosts", null, "VerifyInstance: known_hosts file to use instead of ~/.ssh/known_hosts (a new host key is accepted and recorded, a changed one refused).", "a file path", Instance, false, false, Rules.NotEmpty),
        new(Arg.SshTimeout, Env.SshTimeout, "Instance_SshTimeout", "15s", "VerifyInstance: longest wait for the SSH connection (ssh ConnectTimeout).", "a duration like 15s", Instance, true, false, Rules.PackerDuration),
        new(Arg.InstanceCommandTimeout, Env.InstanceCommandTimeout, "Instance_CommandTimeout", "10m", "VerifyInstance: longest one remote command may run (an image pull, a workload).", "a duration like 10m", Instance, true, false, Rules.PackerDuration),
        new(Arg.ExpectGpu, Env.ExpectGpu, "Instance_ExpectGpu", "true", "VerifyInstance: a GPU check that cannot run is a failure (false: reported as not run, for hosts without a GPU).", "true or false", Instance, true, false, Rules.Boolean),
        new(Arg.InstanceRegistry, Env.InstanceRegistry, "Instance_Registry", null, "VerifyInstance: the registry as the instance reaches it (host[:port], http:// for plain HTTP); only the registry is replaced, never the digest. Default: the lock file's.", "host[:port] or http://host[:port]", Instance, false, false, Rules.RegistryAddress),
        new(Arg.ImagePayload, Env.ImagePayload, "Instance_ImagePayload", null, "VerifyInstance: the payload of the image the instance was booted from (its gpu.driver is the driver expected). Default: <output-dir>/nvidia-firmware1/payload.json.", "a payload.json written by GeneratePayload", Instance, false, false, Rules.NotEmpty),
        new(Arg.ValidationImagesLock, Env.ValidationImagesLock, "Instance_ValidationImagesLock", "tests/gpu/images/images.lock.json", "VerifyInstance reads, PublishValidationImages writes: the validation images lock file (images by digest).", "a lock file written by PublishValidationImages", Instance | ContainerImages, true, false, Rules.NotEmpty),
        new(Arg.WorkloadManifest, Env.WorkloadManifest, "Instance_WorkloadManifest", "tests/gpu/images/workloads.json", "VerifyInstance reads, PublishValidationImages writes: the workload manifest (what to run, expected pass or fail).", "a workload manifest written by PublishValidationImages", Instance | ContainerImages, true, false, Rules.NotEmpty),
        new(Arg.ContainerEngine, Env.ContainerEngine, "ValidationImages_ContainerEngine", "auto", "Build/PublishValidationImages: the container engine; auto takes podman when installed, else docker when its daemon answers.", "auto, podman or docker", ContainerImages, true, false, Rules.ContainerEngine),
        new(Arg.Registry, Env.Registry, "ValidationImages_Registry", null, "PublishValidationImages: the OCI registry the validation images are pushed to; the lock file records it.", "host:port[/path], e.g. 127.0.0.1:5000 or registry.example.com/gpu", Registry, true, false, Rules.PushRegistry),
        new(Arg.RegistryTlsVerify, Env.RegistryTlsVerify, "ValidationImages_RegistryTlsVerify", "true", "PublishValidationImages: verify the registry's TLS certificate (false: also allows plain HTTP, for a local registry).", "true or false", Registry, true, false, Rules.Boolean),
        new(Arg.RegistryUsername, Env.RegistryUsername, "ValidationImages_RegistryUsername", null, "PublishValidationImages: registry user (unset: push without logging in); its password comes from --registry-password-stdin or the environment.", "a user name without spaces or ':'", Registry, false, false, Rules.RegistryUser),
        new(Arg.RegistryPasswordStdin, Env.RegistryPasswordStdin, null, "false", "PublishValidationImages: read the registry password from standard input (one line), as `podman login --password-stdin` does.", "true or false", Registry, true, false, Rules.Boolean),
        new(Arg.RegistryPassword, Env.RegistryPassword, null, null, "PublishValidationImages: registry password (secret: never printed), from the environment or .env only, never the command line (argv is visible to every user).", "the registry user's password, set in the environment", Registry, false, true, Rules.Token),
        new(Arg.DryRun, Env.DryRun, null, "false", "Upload and Register say what they would send and send nothing (no token needed).", "true or false", ParameterGroup.None, true, false, Rules.Boolean),
        new(Arg.Force, Env.Force, null, "false", "Rebuild images even when the cache says nothing changed.", "true or false", ParameterGroup.None, true, false, Rules.Boolean),
        new(Arg.EnvFile, Env.EnvFile, null, ".env", "File of KEY=value lines (credentials); optional unless given explicitly.", "a file path", ParameterGroup.None, true, false, Rules.NotEmpty),
    ];

    public static ParameterDefinition Get(string argument) =>
        All.FirstOrDefault(d => d.Argument == argument) ?? throw new ArgumentException($"No parameter named {argument}.", nameof(argument));

    /// <summary>The parameter part of --help: every parameter with its environment variable and default.</summary>
    public static string HelpText()
    {
        var sb = new StringBuilder();
        sb.AppendLine("Parameters (highest precedence first: --argument, environment variable, .env file, cake.config, default):");
        var width = All.Max(d => d.Argument.Length + d.Environment.Length) + 8;
        foreach (var d in All)
        {
            var names = $"--{d.Argument} ({d.Environment})";
            var dflt = d.IsSecret ? "secret" : d.Default is null ? "no default" : $"default: {(d.Default.Length == 0 ? "\"\"" : d.Default)}";
            sb.Append("  ").Append(names.PadRight(width)).Append(d.Description).Append(" [").Append(dflt).AppendLine("]");
        }

        sb.AppendLine();
        sb.AppendLine("cake.config keys are Section_Key, e.g. [Image] KubernetesVersion=v1.30.14; secrets are not read from it.");
        sb.AppendLine();
        sb.AppendLine("--dry-run (this project's) is not Cake's --dryrun: --dryrun prints only the plan (which tasks would run, in");
        sb.AppendLine("order) and runs none; --dry-run runs the tasks, and Upload, Register and ApiCheck print every request they would");
        sb.AppendLine("send (method, URL, headers with Authorization: Bearer [REDACTED], body) and send nothing; it needs no token.");
        return sb.ToString();
    }
}
