using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Matrix;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Matrix;

/// <summary>Image names per combination, and the listing CI fans out from.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class MatrixNamesTests
{
    private static MatrixCombination Combination(string id) => SupportMatrix.Current.Combinations().Single(c => c.Id == id);

    private static ImageCatalog Real => ImageCatalog.Load(RepoPaths.InRepo("templates", "images"));

    private static ImageCatalog Fixture => ImageCatalog.Load(RepoPaths.InRepo("tests", "fixture", "images"));

    [Test]
    public void The_axes_of_an_image_come_from_its_definition()
    {
        Assert.That(ImageAxes.Of(Real["nvidia-firmware1"]), Is.EqualTo(new ImageAxes(Driver: true, Kubernetes: true, Ubuntu: true)));
        Assert.That(ImageAxes.Of(Real["gpu-ready"]), Is.EqualTo(new ImageAxes(Driver: false, Kubernetes: true, Ubuntu: true)));
        // The Debian fixture pins its OS and runs neither 03 nor 04: its names never change.
        Assert.That(ImageAxes.Of(Fixture["nvidia-firmware1"]), Is.EqualTo(ImageAxes.None));
    }

    [TestCase("ubuntu22.04-nvidia565-k8s1.30", "gpu-ready", "nvidia-firmware1")]
    [TestCase("ubuntu22.04-nvidia580-k8s1.30", "gpu-ready", "nvidia-580-firmware1")]
    [TestCase("ubuntu22.04-nvidia570-k8s1.33", "gpu-ready-k8s1.33", "nvidia-570-firmware1-k8s1.33")]
    [TestCase("ubuntu24.04-nvidia580-k8s1.30", "gpu-ready-noble", "nvidia-580-firmware1-noble")]
    public void Names_carry_the_branch_release_and_minor_that_are_not_the_default(string id, string gpuReady, string nvidia)
    {
        var c = Combination(id);
        Assert.That(c.PublishedName("gpu-ready", ImageAxes.Of(Real["gpu-ready"])), Is.EqualTo(gpuReady));
        Assert.That(c.PublishedName("nvidia-firmware1", ImageAxes.Of(Real["nvidia-firmware1"])), Is.EqualTo(nvidia));
    }

    [Test]
    public void Two_branches_of_the_driver_image_never_share_a_name()
    {
        var nvidia = Real["nvidia-firmware1"];
        var names = SupportMatrix.Current.Combinations().Select(c => c.PublishedName(nvidia.Name, ImageAxes.Of(nvidia))).ToList();
        Assert.That(names.Distinct().Count(), Is.EqualTo(names.Count), string.Join(", ", names));
    }

    [Test]
    public void An_image_that_is_not_named_nvidia_gets_the_branch_as_a_suffix()
    {
        Assert.That(Combination("ubuntu22.04-nvidia570-k8s1.30").PublishedName("gpu-h100", new ImageAxes(true, false, false)), Is.EqualTo("gpu-h100-nvidia570"));
    }

    [Test]
    public void The_listing_round_trips_and_says_how_to_build_each_combination()
    {
        var listing = MatrixListing.Of(SupportMatrix.Current, Real.Images);
        var read = MatrixListing.FromJson(listing.ToJson());
        Assert.That(read.Combinations, Has.Count.EqualTo(24));
        var noble580 = read.Combinations.Single(c => c.Id == "ubuntu24.04-nvidia580-k8s1.30");
        Assert.Multiple(() =>
        {
            Assert.That(noble580.Arguments, Is.EqualTo(new[] { "--ubuntu-version=24.04", "--nvidia-driver-version=580.95.05", "--kubernetes-version=v1.30.14" }));
            Assert.That(noble580.Images["nvidia-firmware1"], Is.EqualTo("nvidia-580-firmware1-noble"));
            Assert.That(noble580.PauseImage, Is.EqualTo("registry.k8s.io/pause:3.9"));
            Assert.That(read.Combinations[0].Default, Is.True);
            Assert.That(listing.ToJson(), Does.Contain("\"nvidiaDriverBranch\": \"580\""), "camelCase field names, as CI reads them");
        });
        var lines = listing.TableLines().ToList();
        Assert.That(lines, Has.Count.EqualTo(25));
        Assert.That(lines[1], Does.StartWith("ubuntu22.04-nvidia565-k8s1.30 (default)"));
    }
}
