namespace GpuImageBuilder.Build.Images;

/// <summary>
/// What an image is meant to carry, derived once from the steps its definition runs (its parent's shared steps
/// included): the one place that knows which script stands for which feature.
/// </summary>
public sealed record ImageFeatures(bool Kubernetes, bool NvidiaDriver, bool FirmwareOption)
{
    public const string KubernetesStep = "03-kubernetes-tools.sh";
    public const string NvidiaDriverStep = "04-nvidia-driver.sh";
    public const string FirmwareOptionStep = "05-nvidia-firmware-config.sh";

    public static ImageFeatures Of(ImageDefinition image)
    {
        var steps = image.BaseScripts.Concat(image.ImageScripts).ToHashSet(StringComparer.Ordinal);
        return new ImageFeatures(
            steps.Contains(KubernetesStep),
            steps.Contains(NvidiaDriverStep),
            steps.Contains(FirmwareOptionStep));
    }
}
