namespace GpuImageBuilder.Build.Parameters;

/// <summary>Which inputs a task needs; validation checks only the groups of the tasks that will run.</summary>
[Flags]
public enum ParameterGroup
{
    None = 0,

    /// <summary>What every task needs: which images, their versions and names, where outputs go.</summary>
    Images = 1,

    /// <summary>Packer/QEMU and the base image: BuildQcow2 and the image checks.</summary>
    Build = 2,

    /// <summary>Where the raw image will live (bucket, endpoint): needed to write the payload's URI.</summary>
    S3Location = 4,

    /// <summary>S3 credentials: Upload.</summary>
    S3Credentials = 8,

    /// <summary>The region service: Register.</summary>
    Region = 16,

    /// <summary>A booted instance reached over SSH: VerifyInstance.</summary>
    Instance = 64,

    /// <summary>The container engine and the validation images' lock and manifest paths: Build/PublishValidationImages.</summary>
    ContainerImages = 128,

    /// <summary>The OCI registry the validation images are pushed to, and its credentials: PublishValidationImages.</summary>
    Registry = 256,
}
