using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Audit;
using GpuImageBuilder.Build.Services.Images;

namespace GpuImageBuilder.Build.Services.Steps;

/// <summary>
/// What the parameters ask an image to contain, given what its definition says it carries (<see cref="ImageFeatures"/>):
/// the versions recorded as requested in the manifest, and the audit's expectations, which the image's real
/// contents are checked against.
/// </summary>
public static class ImageRequest
{
    public static readonly IReadOnlyList<string> KubernetesTools = ["kubelet", "kubeadm", "kubectl"];

    public static RequestedVersions Versions(ImageDefinition image, BuildParameters parameters)
    {
        var features = image.Features;
        return new RequestedVersions(
            parameters.UbuntuVersion,
            features.Kubernetes ? parameters.KubernetesVersion : null,
            features.NvidiaDriver ? parameters.NvidiaDriverVersion : null,
            features.NvidiaDriver ? parameters.NvidiaKernelModules : null,
            features.NvidiaDriver ? parameters.NvidiaContainerToolkitVersion : null);
    }

    /// <summary>
    /// Pinned packages (name → Debian version prefix), the firmware option, nvidia.ko's version, and the node policy
    /// of the steps the definition runs (kernel updates and sandbox image: 02; fabric manager: 04).
    /// </summary>
    public static AuditExpectations Expectations(ImageDefinition image, BuildParameters parameters, string buildUser)
    {
        var asked = Versions(image, parameters);
        var pins = new Dictionary<string, string>(StringComparer.Ordinal);
        if (asked.Kubernetes is { } kubernetes)
        {
            foreach (var tool in KubernetesTools)
            {
                pins[tool] = kubernetes.TrimStart('v') + "-";
            }
        }

        if (asked.NvidiaDriver is { } driver)
        {
            var branch = driver.Split('.')[0];
            pins[asked.NvidiaKernelModules == "open" ? $"nvidia-headless-{branch}-open" : $"nvidia-headless-{branch}"] = driver + "-";
            pins[$"nvidia-utils-{branch}"] = driver + "-";
            pins["nvidia-container-toolkit"] = asked.NvidiaContainerToolkit + "-";
            if (parameters.NvidiaFabricManager)
            {
                // Exactly the driver's version, held like every driver package (04): CUDA does not initialise on
                // NVSwitch systems otherwise.
                pins[$"nvidia-fabricmanager-{branch}"] = driver + "-";
            }
        }

        var features = image.Features;
        return new AuditExpectations(features.FirmwareOption, pins, buildUser, asked.NvidiaDriver)
        {
            // 02 sets both whatever else the image runs (the fixture images, without 03/04, too): the policy and the
            // pause image come from the step, the pause image's value from the Kubernetes minor the build passes it.
            KernelUpdatePolicyExpected = features.NodePrerequisites,
            SandboxImage = features.NodePrerequisites ? parameters.Combination.Kubernetes.PauseImage : null,
            FabricManagerExpected = features.NvidiaDriver && parameters.NvidiaFabricManager,
        };
    }
}
