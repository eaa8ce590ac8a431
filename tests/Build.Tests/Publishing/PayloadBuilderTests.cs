using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Publishing;

/// <summary>The payload as a function of definition, manifest and location: what comes from where, and what is refused.</summary>
[TestFixture]
[Category("Publishing")]
[Parallelizable(ParallelScope.All)]
public sealed class PayloadBuilderTests
{
    [Test]
    public void Gpu_ready_has_no_gpu_and_takes_name_uri_os_and_Kubernetes_from_their_sources()
    {
        var parameters = PayloadFixtures.Parameters((Arg.UbuntuVersion, "24.04"), (Arg.UbuntuCodename, "noble"));
        var image = PayloadFixtures.RealImages()["gpu-ready"];
        var payload = PayloadFixtures.Build(image, PayloadFixtures.Manifest("gpu-ready"), parameters);

        var location = ObjectLocation.ForImage(parameters.RequireS3(), "gpu-ready-20261201");
        Assert.Multiple(() =>
        {
            Assert.That(payload.Metadata.Name, Is.EqualTo(parameters.RegisteredName("gpu-ready")).And.EqualTo("gpu-ready-20261201"));
            Assert.That(payload.Spec.Uri, Is.EqualTo(location.Url));
            Assert.That(payload.Spec.Uri.ToString(), Is.EqualTo("https://s3.example.com/gpu-images/gpu-images/gpu-ready-20261201.raw"));
            Assert.That(payload.Spec.Gpu, Is.Null, "gpu-ready carries no driver");
            Assert.That(payload.Spec.Architecture, Is.EqualTo("x86_64"));
            Assert.That(payload.Spec.Virtualization, Is.EqualTo("virtualized"));
            // Version and codename follow the parameters for Ubuntu; the rest is the definition's.
            Assert.That(payload.Spec.Os, Is.EqualTo(new PayloadOs("linux", "debian", "ubuntu", "server", "noble", "24.04")));
            // kubelet 1.30.14-1.1 in the manifest, whatever --kubernetes-version says now.
            Assert.That(payload.Spec.SoftwareVersions, Is.EquivalentTo(new Dictionary<string, string> { ["kubernetes"] = "v1.30.14" }));
            Assert.That(payload.Metadata.Tags, Is.EqualTo(new[]
            {
                new PayloadTag(PayloadTags.Object, "s3://gpu-images/gpu-images/gpu-ready-20261201.raw"),
                new PayloadTag(PayloadTags.Sha256, PayloadFixtures.Manifest("gpu-ready").Raw!.Sha256),
            }));
        });
    }

    [Test]
    public void The_driver_is_the_one_found_in_the_image_not_the_one_asked_for()
    {
        var manifest = PayloadFixtures.Manifest("nvidia-firmware1");
        manifest = manifest with { Contents = manifest.Contents! with { NvidiaKernelModules = ["570.133.20"] } };
        var parameters = PayloadFixtures.Parameters((Arg.NvidiaDriverVersion, "565.57.01"), (Arg.GpuModels, "H100,B200"));
        var payload = PayloadFixtures.Build(PayloadFixtures.RealImages()["nvidia-firmware1"], manifest, parameters);

        Assert.That(payload.Spec.Gpu, Is.Not.Null);
        Assert.That(payload.Spec.Gpu!.Vendor, Is.EqualTo("NVIDIA"));
        Assert.That(payload.Spec.Gpu.Driver, Is.EqualTo("570.133.20"));
        Assert.That(payload.Spec.Gpu.Models, Is.EqualTo(new[] { "H100", "B200" }));
    }

    [Test]
    public void The_fixture_images_say_Debian_12_and_carry_no_gpu_and_no_Kubernetes()
    {
        var fixture = PayloadFixtures.FixtureImages();
        // What the CI fixture's audit finds: no kubelet (03-kubernetes-tools.sh left out), no driver (04- left out).
        var manifest = PayloadFixtures.Manifest("nvidia-firmware1");
        manifest = manifest with
        {
            Contents = manifest.Contents! with
            {
                Kubelet = null, Kubeadm = null, Kubectl = null,
                NvidiaDriverPackages = new Dictionary<string, string>(), NvidiaKernelModules = [],
            },
        };
        foreach (var name in new[] { "gpu-ready", "nvidia-firmware1" })
        {
            var payload = PayloadFixtures.Build(fixture[name], manifest, PayloadFixtures.Parameters((Arg.UbuntuVersion, "24.04")));
            Assert.That(payload.Spec.Os, Is.EqualTo(new PayloadOs("linux", "debian", "debian", "cloud", "bookworm", "12")), name);
            Assert.That(payload.Spec.Gpu, Is.Null, $"{name}: defined without 04-nvidia-driver.sh");
            Assert.That(payload.Spec.SoftwareVersions, Is.Null, $"{name}: no kubelet in the image");
            Assert.That(PayloadFixtures.Validator.Failures(PayloadJson.Serialize(payload)), Is.Empty, name);
        }
    }

    [Test]
    public void A_kubelet_whose_version_is_not_vXYZ_is_an_error_rather_than_a_payload_without_Kubernetes()
    {
        var manifest = PayloadFixtures.Manifest("gpu-ready");
        manifest = manifest with { Contents = manifest.Contents! with { Kubelet = "1.31.0~rc.1-1.1" } };
        var ex = Assert.Throws<PayloadException>(() => PayloadFixtures.Build(PayloadFixtures.RealImages()["gpu-ready"], manifest));
        Assert.That(ex!.Message, Is.EqualTo(
            "gpu-ready: the image's kubelet 1.31.0~rc.1-1.1 gives Kubernetes version 'v1.31.0~rc.1', not the vX.Y.Z the region accepts: build with a release --kubernetes-version (like v1.30.14)"));
    }

    [Test]
    public void An_nvidia_image_without_a_driver_in_its_manifest_is_an_error_naming_the_image_and_the_step()
    {
        var manifest = PayloadFixtures.Manifest("nvidia-firmware1");
        manifest = manifest with { Contents = manifest.Contents! with { NvidiaDriverPackages = new Dictionary<string, string>(), NvidiaKernelModules = [] } };
        var ex = Assert.Throws<PayloadException>(() => PayloadFixtures.Build(PayloadFixtures.RealImages()["nvidia-firmware1"], manifest));
        Assert.That(ex!.Message, Does.StartWith("nvidia-firmware1: defined with the NVIDIA driver (04-nvidia-driver.sh) but the manifest's audit found none in the image")
            .And.Contains("run AuditImage (--target=AuditImage --image=nvidia-firmware1 --force)"));
    }

    private static IEnumerable<TestCaseData> UnfinishedManifests()
    {
        var m = PayloadFixtures.Manifest("gpu-ready");
        yield return new TestCaseData(new ImageManifest(), "the manifest has no SHA-256 of the raw image: run Checksum (--target=Checksum --image=gpu-ready)").SetName("no manifest at all: Checksum");
        yield return new TestCaseData(m with { Raw = m.Raw! with { Sha256 = "" } }, "run Checksum").SetName("raw without SHA-256: Checksum");
        yield return new TestCaseData(m with { Contents = null }, "the manifest says nothing of what the image contains: run AuditImage (--target=AuditImage --image=gpu-ready)").SetName("no contents: AuditImage");
        yield return new TestCaseData(m with { Audit = m.Audit! with { Passed = false } }, "the audit did not pass for raw 3f1c2e7a9b8d: run AuditImage").SetName("audit failed: AuditImage");
        yield return new TestCaseData(m with { SmokeBoot = null }, "the smoke boot has not run for raw 3f1c2e7a9b8d: run SmokeBoot (--target=SmokeBoot --image=gpu-ready)").SetName("no smoke boot: SmokeBoot");
        yield return new TestCaseData(m with { SmokeBoot = m.SmokeBoot! with { Passed = false } }, "the smoke boot did not pass").SetName("smoke boot failed: SmokeBoot");
        yield return new TestCaseData(m with { SmokeBoot = m.SmokeBoot! with { RawSha256 = new string('0', 64) } }, "the smoke boot passed for other bytes than this raw").SetName("smoke boot of an older raw: SmokeBoot");
    }

    [TestCaseSource(nameof(UnfinishedManifests))]
    public void A_manifest_that_lacks_a_step_says_which_step_to_run(ImageManifest manifest, string expected)
    {
        var ex = Assert.Throws<PayloadException>(() => PayloadFixtures.Build(PayloadFixtures.RealImages()["gpu-ready"], manifest));
        Assert.That(ex!.Message, Does.StartWith("gpu-ready: ").And.Contains(expected));
        Assert.That(ex.Message, Does.Not.Contain("\n"), "one line");
    }

    [Test]
    public void A_definition_that_does_not_say_its_distro_is_refused_naming_file_and_variable()
    {
        using var folder = new TempDir();
        var catalog = PayloadFixtures.ChangedCatalog(folder, RepoPaths.InRepo("templates", "images"),
            (file, text) => text.Replace("os_distro          = \"ubuntu\"\n", string.Empty));
        var ex = Assert.Throws<ImageDefinitionException>(() => PayloadFixtures.Build(catalog["gpu-ready"], PayloadFixtures.Manifest("gpu-ready")));
        Assert.That(ex!.Message, Is.EqualTo($"{catalog["gpu-ready"].VarFile}: os_distro is not set: the region payload needs it (e.g. os_distro = \"ubuntu\")"));
    }

    [Test]
    public void A_distro_other_than_Ubuntu_must_pin_its_version_and_codename()
    {
        using var folder = new TempDir();
        var catalog = PayloadFixtures.ChangedCatalog(folder, RepoPaths.InRepo("tests", "fixture", "images"),
            (file, text) => text.Replace("os_version         = \"12\"\n", string.Empty));
        Assert.That(ImageIdentity.Problems(catalog["gpu-ready"]).ToList(),
            Is.EqualTo(new[] { (ImageIdentity.VersionVariable, "is not set: only for os_distro = \"ubuntu\" does it default to --ubuntu-version") }));
    }
}
