namespace GpuImageBuilder.Build.Images;

/// <summary>
/// What an image is meant to carry, derived once from the steps its definition runs (its parent's shared steps
/// included): the one place that knows which script stands for which feature. <paramref name="NodePrerequisites"/>:
/// the image runs 02, which sets the kernel-update policy and configures containerd (its sandbox image included).
/// </summary>
public sealed record ImageFeatures(bool Kubernetes, bool NvidiaDriver, bool FirmwareOption, bool NodePrerequisites)
{
    public const string NodePrerequisitesStep = "02-gpu-prerequisites.sh";
    public const string KubernetesStep = "03-kubernetes-tools.sh";
    public const string NvidiaDriverStep = "04-nvidia-driver.sh";
    public const string FirmwareOptionStep = "05-nvidia-firmware-config.sh";

    public static ImageFeatures Of(ImageDefinition image)
    {
        var steps = image.BaseScripts.Concat(image.ImageScripts).ToHashSet(StringComparer.Ordinal);
        return new ImageFeatures(
            steps.Contains(KubernetesStep),
            steps.Contains(NvidiaDriverStep),
            steps.Contains(FirmwareOptionStep),
            steps.Contains(NodePrerequisitesStep));
    }
}
