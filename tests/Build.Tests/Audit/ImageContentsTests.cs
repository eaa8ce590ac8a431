using GpuImageBuilder.Build.Services.Audit;
using GpuImageBuilder.Build.Services.Steps;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Tests.Steps;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Audit;

/// <summary>What the image contains, read from its packages, and how it is held against what was asked.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ImageContentsTests
{
    private static readonly InstalledPackage[] NvidiaImage =
    [
        new("linux-image-5.15.0-122-generic", "5.15.0-122.132", false),
        new("linux-image-generic", "5.15.0.122.122", false),
        new("kubelet", "1.30.14-1.1", true),
        new("kubeadm", "1.30.14-1.1", true),
        new("kubectl", "1.30.14-1.1", true),
        new("containerd", "1.7.12-0ubuntu2~22.04.1", false),
        new("nvidia-headless-565-open", "565.57.01-0ubuntu1", true),
        new("nvidia-utils-565", "565.57.01-0ubuntu1", true),
        new("nvidia-container-toolkit", "1.17.8-1", true),
        new("nvidia-container-toolkit-base", "1.17.8-1", false),
    ];

    [Test]
    public void Versions_are_read_from_the_packages_and_the_dkms_module()
    {
        var contents = ImageContents.From(NvidiaImage, ["565.57.01"]);
        Assert.That(contents.Kernels, Is.EqualTo(new[] { "5.15.0-122-generic" }), "meta packages name no kernel");
        Assert.That(contents.KubernetesVersion, Is.EqualTo("v1.30.14"));
        Assert.That(contents.Containerd, Is.EqualTo("1.7.12-0ubuntu2~22.04.1"));
        Assert.That(contents.NvidiaDriverPackages.Keys, Is.EqualTo(new[] { "nvidia-headless-565-open", "nvidia-utils-565" }));
        Assert.That(contents.NvidiaContainerToolkit, Is.EqualTo("1.17.8-1"));
        Assert.That(contents.NvidiaDriverVersion, Is.EqualTo("565.57.01"));
    }

    [Test]
    public void An_nvidia_module_of_another_version_than_asked_is_a_mismatch_naming_both()
    {
        var image = StepFixtures.Catalog()["nvidia-firmware1"];
        var expected = ImageRequest.Expectations(image, StepFixtures.Parameters((Arg.NvidiaDriverVersion, "565.57.01")), "packer");
        Assert.That(ImageContents.From(NvidiaImage, ["565.57.01"]).Mismatches(expected), Is.Empty);
        Assert.That(ImageContents.From(NvidiaImage, ["550.90.12"]).Mismatches(expected), Is.EqualTo(new[]
        {
            "nvidia.ko: asked for driver 565.57.01 (--nvidia-driver-version), found 550.90.12",
        }));
        Assert.That(ImageContents.From(NvidiaImage, []).Mismatches(expected).Single(), Does.Contain("asked for driver 565.57.01").And.Contain("found no DKMS-built nvidia module"));
    }

    [Test]
    public void An_image_defined_without_the_driver_must_carry_no_nvidia_module()
    {
        var image = StepFixtures.Catalog()["gpu-ready"];
        var expected = ImageRequest.Expectations(image, StepFixtures.Parameters(), "packer");
        Assert.That(expected.NvidiaDriverVersion, Is.Null);
        Assert.That(ImageContents.From([], ["565.57.01"]).Mismatches(expected).Single(), Does.Contain("defined without the NVIDIA driver, found nvidia module 565.57.01"));
    }

    [Test]
    public void Expectations_pin_what_the_definition_installs_at_the_versions_asked()
    {
        var catalog = StepFixtures.Catalog();
        var parameters = StepFixtures.Parameters((Arg.KubernetesVersion, "v1.30.2"), (Arg.NvidiaDriverVersion, "565.57.01"), (Arg.NvidiaKernelModules, "proprietary"));
        var gpuReady = ImageRequest.Expectations(catalog["gpu-ready"], parameters, "packer");
        Assert.That(gpuReady.PinnedPackages.Keys, Is.EquivalentTo(new[] { "kubelet", "kubeadm", "kubectl" }));
        Assert.That(gpuReady.PinnedPackages["kubelet"], Is.EqualTo("1.30.2-"));
        Assert.That(gpuReady.FirmwareOptionExpected, Is.False);

        var nvidia = ImageRequest.Expectations(catalog["nvidia-firmware1"], parameters, "packer");
        Assert.That(nvidia.PinnedPackages, Does.ContainKey("nvidia-headless-565").And.ContainKey("nvidia-utils-565").And.ContainKey("nvidia-container-toolkit"));
        Assert.That(nvidia.FirmwareOptionExpected, Is.True);
        Assert.That(nvidia.NvidiaDriverVersion, Is.EqualTo("565.57.01"));
    }

    [Test]
    public void Expectations_carry_the_node_policy_of_the_steps_the_definition_runs()
    {
        var catalog = StepFixtures.Catalog();
        var parameters = StepFixtures.Parameters((Arg.KubernetesVersion, "v1.31.14"), (Arg.NvidiaDriverVersion, "565.57.01"));
        var pause = parameters.Combination.Kubernetes.PauseImage;
        Assert.That(pause, Is.EqualTo("registry.k8s.io/pause:3.10"), "kubeadm v1.31's pause image, from supported-matrix.json");

        var gpuReady = ImageRequest.Expectations(catalog["gpu-ready"], parameters, "packer");
        Assert.That((gpuReady.KernelUpdatePolicyExpected, gpuReady.SandboxImage, gpuReady.FabricManagerExpected), Is.EqualTo((true, pause, false)));

        var nvidia = ImageRequest.Expectations(catalog["nvidia-firmware1"], parameters, "packer");
        Assert.That((nvidia.KernelUpdatePolicyExpected, nvidia.SandboxImage, nvidia.FabricManagerExpected), Is.EqualTo((true, pause, true)));
        Assert.That(nvidia.PinnedPackages["nvidia-fabricmanager-565"], Is.EqualTo("565.57.01-"), "exactly the driver's version, held");

        var withoutFabricManager = ImageRequest.Expectations(catalog["nvidia-firmware1"], StepFixtures.Parameters((Arg.NvidiaFabricManager, "false")), "packer");
        Assert.That(withoutFabricManager.FabricManagerExpected, Is.False);
        Assert.That(withoutFabricManager.PinnedPackages.Keys, Has.None.StartsWith("nvidia-fabricmanager"));
    }

    [Test]
    public void The_fixture_images_expect_02s_policy_and_no_fabric_manager()
    {
        // The CI fixture runs 02 (so the kernel policy and the pause image the build passes it) but neither 03 nor 04.
        var fixture = ImageCatalog.Load(RepoPaths.InRepo("tests", "fixture", "images"));
        var parameters = StepFixtures.Parameters();
        foreach (var name in new[] { "gpu-ready", "nvidia-firmware1" })
        {
            var e = ImageRequest.Expectations(fixture[name], parameters, "packer");
            Assert.That(e.KernelUpdatePolicyExpected, Is.True, name);
            Assert.That(e.SandboxImage, Is.EqualTo(parameters.Combination.Kubernetes.PauseImage), name);
            Assert.That(e.FabricManagerExpected, Is.False, name);
            Assert.That(e.PinnedPackages, Is.Empty, name);
        }
    }

    [TestCase("565.57.01-0ubuntu1", "565.57.01")]
    [TestCase("1:1.7.12-1", "1.7.12")]
    [TestCase("1.30.14-1.1", "1.30.14")]
    [TestCase("2.0", "2.0")]
    public void Upstream_versions_drop_epoch_and_debian_revision(string debian, string upstream) =>
        Assert.That(ImageContents.Upstream(debian), Is.EqualTo(upstream));
}
