using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Steps;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Steps;

/// <summary>Layering decisions and the inputs hash: what decides whether Packer runs, and on what.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class BuildPlannerTests
{
    private static BuildPlanner Planner(ArtifactPaths paths, AssetPaths? assets = null, params (string, string)[] parameters) =>
        new(StepFixtures.Parameters(parameters), StepFixtures.Catalog(), assets ?? new AssetPaths(RepoPaths.Root), paths);

    [Test]
    public void A_child_without_its_parents_qcow2_builds_from_the_base_image_and_runs_the_shared_steps()
    {
        using var output = new TempDir();
        var catalog = StepFixtures.Catalog();
        var plan = Planner(new ArtifactPaths(output.Path)).Plan(catalog["nvidia-firmware1"]);
        Assert.That(plan.LayeredOn, Is.Null);
        Assert.That(plan.Run.RunBaseScripts, Is.True);
        Assert.That(plan.Run.BaseImageChecksum, Is.EqualTo(StepFixtures.BaseChecksum));
        Assert.That(plan.Scripts, Does.Contain("03-kubernetes-tools.sh").And.Contain("04-nvidia-driver.sh"));
    }

    [Test]
    public void A_child_layers_on_a_parent_qcow2_made_from_the_parents_current_inputs()
    {
        using var output = new TempDir();
        var paths = new ArtifactPaths(output.Path);
        var catalog = StepFixtures.Catalog();
        var parentHash = Planner(paths).Plan(catalog["gpu-ready"]).InputsHash;
        var unlayered = Planner(paths).Plan(catalog["nvidia-firmware1"]);
        var stamp = StepFixtures.PlantQcow2(paths, "gpu-ready", parentHash);

        var plan = Planner(paths).Plan(catalog["nvidia-firmware1"]);
        Assert.That(plan.LayeredOn, Is.EqualTo("gpu-ready"));
        Assert.That(plan.Run.BaseImageUrl, Is.EqualTo(paths.Qcow2("gpu-ready")));
        Assert.That(plan.Run.BaseImageChecksum, Is.EqualTo("sha256:" + stamp.Sha256));
        Assert.That(plan.Run.RunBaseScripts, Is.False);
        Assert.That(plan.Scripts, Does.Not.Contain("03-kubernetes-tools.sh"), "the parent ran the shared steps");
        Assert.That(plan.InputsHash, Is.Not.EqualTo(unlayered.InputsHash));
    }

    [Test]
    public void A_parent_qcow2_from_other_inputs_is_not_layered_on()
    {
        using var output = new TempDir();
        var paths = new ArtifactPaths(output.Path);
        StepFixtures.PlantQcow2(paths, "gpu-ready", new string('f', 64));
        var plan = Planner(paths).Plan(StepFixtures.Catalog()["nvidia-firmware1"]);
        Assert.That(plan.LayeredOn, Is.Null);
        Assert.That(plan.Run.RunBaseScripts, Is.True);
    }

    [Test]
    public void The_inputs_hash_is_stable_and_ignores_where_and_how_fast_the_build_runs()
    {
        using var output = new TempDir();
        var paths = new ArtifactPaths(output.Path);
        var image = StepFixtures.Catalog()["gpu-ready"];
        var plan = Planner(paths).Plan(image);
        Assert.That(Planner(paths).Plan(image).InputsHash, Is.EqualTo(plan.InputsHash));
        Assert.That(plan.InputsHash, Has.Length.EqualTo(64));
        var moved = plan.In(Path.Combine(output.Path, "elsewhere"), "kvm");
        Assert.That(ImageInputs.Hash(moved, StepFixtures.Parameters(), new AssetPaths(RepoPaths.Root)), Is.EqualTo(plan.InputsHash));
    }

    [Test]
    public void The_inputs_hash_changes_with_what_shapes_the_image()
    {
        using var output = new TempDir();
        using var assets = new AssetSandbox();
        var paths = new ArtifactPaths(output.Path);
        var image = StepFixtures.Catalog()["gpu-ready"];
        var original = Planner(paths, assets.Assets).Plan(image).InputsHash;
        Assert.That(Planner(paths, assets.Assets, (Arg.KubernetesVersion, "v1.31.1")).Plan(image).InputsHash, Is.Not.EqualTo(original), "a Packer variable");
        Assert.That(Planner(paths, assets.Assets, (Arg.BaseImageChecksum, "sha256:" + new string('2', 64))).Plan(image).InputsHash, Is.Not.EqualTo(original), "the base image");

        File.AppendAllText(assets.PathOf("scripts/02-gpu-prerequisites.sh"), "\n# changed\n");
        Assert.That(Planner(paths, assets.Assets).Plan(image).InputsHash, Is.Not.EqualTo(original), "a script the image runs");
    }
}
