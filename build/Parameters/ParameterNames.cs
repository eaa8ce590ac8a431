namespace GpuImageBuilder.Build.Parameters;

/// <summary>Command-line argument names (kebab-case, without the leading dashes).</summary>
public static class Arg
{
    public const string Image = "image";
    public const string ImageVersion = "image-version";
    public const string UbuntuVersion = "ubuntu-version";
    public const string UbuntuCodename = "ubuntu-codename";
    public const string KubernetesVersion = "kubernetes-version";
    public const string NvidiaDriverVersion = "nvidia-driver-version";
    public const string NvidiaKernelModules = "nvidia-kernel-modules";
    public const string NvidiaContainerToolkitVersion = "nvidia-container-toolkit-version";
    public const string NvidiaFabricManager = "nvidia-fabric-manager";
    public const string GpuModels = "gpu-models";
    public const string OutputDir = "output-dir";
    public const string Definitions = "definitions";
    public const string BaseImage = "base-image";
    public const string BaseImageChecksum = "base-image-checksum";
    public const string Accelerator = "accelerator";
    public const string Memory = "memory";
    public const string Cpus = "cpus";
    public const string DiskSize = "disk-size";
    public const string PackerTimeout = "packer-timeout";
    public const string SmokeTimeout = "smoke-timeout";
    public const string StallTimeout = "stall-timeout";
    public const string KeepVm = "keep-vm";
    public const string S3Endpoint = "s3-endpoint";
    public const string S3Bucket = "s3-bucket";
    public const string S3Prefix = "s3-prefix";
    public const string S3Region = "s3-region";
    public const string S3PathStyle = "s3-path-style";
    public const string S3AccessKey = "s3-access-key";
    public const string S3SecretKey = "s3-secret-key";
    public const string S3UrlMode = "s3-url-mode";
    public const string S3PresignExpiry = "s3-presign-expiry";
    public const string UploadPartSize = "upload-part-size";
    public const string UploadParallelism = "upload-parallelism";
    public const string RegionUrl = "region-url";
    public const string OrganizationId = "organization-id";
    public const string RegionId = "region-id";
    public const string Token = "token";
    public const string Replace = "replace";
    public const string PollInterval = "poll-interval";
    public const string RegisterTimeout = "register-timeout";
    public const string DryRun = "dry-run";
    public const string Force = "force";
    public const string EnvFile = "env-file";
}

/// <summary>Environment variable names (upper snake case). Standard names (AWS_*) where one exists.</summary>
public static class Env
{
    public const string Image = "GPU_IMAGE";
    public const string ImageVersion = "GPU_IMAGE_VERSION";
    public const string UbuntuVersion = "UBUNTU_VERSION";
    public const string UbuntuCodename = "UBUNTU_CODENAME";
    public const string KubernetesVersion = "KUBERNETES_VERSION";
    public const string NvidiaDriverVersion = "NVIDIA_DRIVER_VERSION";
    public const string NvidiaKernelModules = "NVIDIA_KERNEL_MODULE_FLAVOR";
    public const string NvidiaContainerToolkitVersion = "NVIDIA_CONTAINER_TOOLKIT_VERSION";
    public const string NvidiaFabricManager = "NVIDIA_INSTALL_FABRICMANAGER";
    public const string GpuModels = "GPU_MODELS";
    public const string OutputDir = "GPU_IMAGE_OUTPUT_DIR";
    public const string Definitions = "GPU_IMAGE_DEFINITIONS";
    public const string BaseImage = "GPU_IMAGE_BASE_IMAGE";
    public const string BaseImageChecksum = "GPU_IMAGE_BASE_IMAGE_CHECKSUM";
    public const string Accelerator = "GPU_IMAGE_ACCELERATOR";
    public const string Memory = "GPU_IMAGE_MEMORY";
    public const string Cpus = "GPU_IMAGE_CPUS";
    public const string DiskSize = "GPU_IMAGE_DISK_SIZE";
    public const string PackerTimeout = "GPU_IMAGE_PACKER_TIMEOUT";
    public const string SmokeTimeout = "GPU_IMAGE_SMOKE_TIMEOUT";
    public const string StallTimeout = "GPU_IMAGE_STALL_TIMEOUT";
    public const string KeepVm = "KEEP_VM";
    public const string S3Endpoint = "S3_ENDPOINT";
    public const string S3Bucket = "S3_BUCKET";
    public const string S3Prefix = "S3_PREFIX";
    public const string S3Region = "S3_REGION";
    public const string S3PathStyle = "S3_FORCE_PATH_STYLE";
    public const string S3AccessKey = "AWS_ACCESS_KEY_ID";
    public const string S3SecretKey = "AWS_SECRET_ACCESS_KEY";
    public const string S3UrlMode = "S3_URL_MODE";
    public const string S3PresignExpiry = "S3_PRESIGN_EXPIRY";
    public const string UploadPartSize = "GPU_IMAGE_UPLOAD_PART_SIZE";
    public const string UploadParallelism = "GPU_IMAGE_UPLOAD_PARALLELISM";
    public const string RegionUrl = "NSCALE_REGION_URL";
    public const string OrganizationId = "NSCALE_ORG_ID";
    public const string RegionId = "NSCALE_REGION_ID";
    public const string Token = "NSCALE_API_TOKEN";
    public const string Replace = "GPU_IMAGE_REPLACE";
    public const string PollInterval = "GPU_IMAGE_POLL_INTERVAL";
    public const string RegisterTimeout = "GPU_IMAGE_REGISTER_TIMEOUT";
    public const string DryRun = "GPU_IMAGE_DRY_RUN";
    public const string Force = "GPU_IMAGE_FORCE";
    public const string EnvFile = "GPU_IMAGE_ENV_FILE";
}
