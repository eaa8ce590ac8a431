using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Services.Steps;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Publishing;

/// <summary>The step on a prepared output folder (a finished, audited, smoke-booted manifest), without Cake.</summary>
[TestFixture]
[Category("Publishing")]
[Parallelizable(ParallelScope.All)]
public sealed class GeneratePayloadStepTests
{
    private sealed class Rig : IDisposable
    {
        private readonly TempDir _output = new();

        public Rig()
        {
            Paths = new ArtifactPaths(_output.Path);
            Workspaces = new ImageWorkspaces(Paths);
            Step = new GeneratePayloadStep(PayloadFixtures.Parameters(), Workspaces, Paths, PayloadFixtures.Validator, Log);
        }

        public ArtifactPaths Paths { get; }

        public ImageWorkspaces Workspaces { get; }

        public ListLog Log { get; } = new();

        public GeneratePayloadStep Step { get; }

        public ImageWorkspace Prepare(ImageDefinition image, ImageManifest manifest)
        {
            var workspace = Workspaces.For(image);
            Directory.CreateDirectory(workspace.Directory);
            File.WriteAllText(workspace.ManifestFile, manifest.ToJson());
            return workspace;
        }

        public void Dispose() => _output.Dispose();
    }

    [Test]
    public async Task It_writes_the_payload_logs_name_and_uri_and_records_the_step()
    {
        using var rig = new Rig();
        var image = PayloadFixtures.RealImages()["nvidia-firmware1"];
        var workspace = rig.Prepare(image, PayloadFixtures.Manifest("nvidia-firmware1"));

        var payload = await rig.Step.RunAsync(image, CancellationToken.None);

        var file = rig.Paths.Payload("nvidia-firmware1");
        Assert.That(File.ReadAllText(file), Is.EqualTo(PayloadFixtures.ExampleJson("nvidia-firmware1")));
        Assert.That(PayloadJson.Read(file), Is.Not.Null.And.Property(nameof(ImagePayload.Metadata)).Property("Name").EqualTo("nvidia-firmware1-20261201"));
        Assert.That(Directory.GetFiles(workspace.Directory, "*.tmp"), Is.Empty, "no temp file left behind");
        Assert.That(rig.Log.Lines, Is.EqualTo(new[] { $"info: nvidia-firmware1: payload nvidia-firmware1-20261201 -> {payload.Spec.Uri}" }));
        var record = workspace.ReadManifest().Steps[GeneratePayloadStep.Name];
        Assert.That(record.LastAttempt!.Outcome, Is.EqualTo(StepOutcome.Passed));
        Assert.That(record.Produced, Is.Not.Null);
        Assert.That(workspace.ReadManifest().SmokeBoot, Is.EqualTo(PayloadFixtures.Manifest("nvidia-firmware1").SmokeBoot), "the rest of the manifest is kept");
    }

    [Test]
    public async Task A_second_run_with_the_same_inputs_leaves_the_file_alone_and_says_so()
    {
        using var rig = new Rig();
        var image = PayloadFixtures.RealImages()["gpu-ready"];
        var workspace = rig.Prepare(image, PayloadFixtures.Manifest("gpu-ready"));
        await rig.Step.RunAsync(image, CancellationToken.None);
        var file = rig.Paths.Payload("gpu-ready");
        var written = File.GetLastWriteTimeUtc(file);
        var produced = workspace.ReadManifest().Steps[GeneratePayloadStep.Name].Produced;

        File.SetLastWriteTimeUtc(file, written.AddMinutes(-5));
        await rig.Step.RunAsync(image, CancellationToken.None);

        Assert.That(File.GetLastWriteTimeUtc(file), Is.EqualTo(written.AddMinutes(-5)), "not rewritten");
        Assert.That(rig.Log.Lines[^1], Does.EndWith(" (unchanged)"));
        var record = workspace.ReadManifest().Steps[GeneratePayloadStep.Name];
        Assert.That(record.LastAttempt!.Outcome, Is.EqualTo(StepOutcome.Cached));
        Assert.That(record.Produced, Is.EqualTo(produced));
    }

    [Test]
    public async Task A_payload_the_contract_refuses_is_not_written_and_the_old_one_stays()
    {
        using var rig = new Rig();
        using var definitions = new TempDir();
        // A definition the template accepts but the region does not: kernel must be "linux".
        var catalog = PayloadFixtures.ChangedCatalog(definitions, RepoPaths.InRepo("templates", "images"),
            (file, text) => text.Replace("os_kernel          = \"linux\"", "os_kernel          = \"windows\""));
        var image = catalog["gpu-ready"];
        var workspace = rig.Prepare(image, PayloadFixtures.Manifest("gpu-ready"));
        var file = rig.Paths.Payload("gpu-ready");
        File.WriteAllText(file, "the previous payload\n");

        var ex = await Assert.ThrowsAsync<PayloadException>(() => rig.Step.RunAsync(image, CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain("\n  /spec/os/kernel: "));
        Assert.That(File.ReadAllText(file), Is.EqualTo("the previous payload\n"));
        Assert.That(Directory.GetFiles(workspace.Directory, "*.tmp"), Is.Empty);
        Assert.That(rig.Log.Lines, Is.Empty, "nothing claimed");
        var attempt = workspace.ReadManifest().Steps[GeneratePayloadStep.Name].LastAttempt!;
        Assert.That(attempt.Outcome, Is.EqualTo(StepOutcome.Failed));
        Assert.That(attempt.Error, Does.Contain("/spec/os/kernel"));
    }

    [Test]
    public async Task An_image_not_yet_smoke_booted_gets_no_payload_and_the_attempt_says_what_to_run()
    {
        using var rig = new Rig();
        var image = PayloadFixtures.RealImages()["gpu-ready"];
        var workspace = rig.Prepare(image, PayloadFixtures.Manifest("gpu-ready") with { SmokeBoot = null });

        var ex = await Assert.ThrowsAsync<PayloadException>(() => rig.Step.RunAsync(image, CancellationToken.None));

        Assert.That(ex!.Message, Does.EndWith("run SmokeBoot (--target=SmokeBoot --image=gpu-ready)"));
        Assert.That(File.Exists(rig.Paths.Payload("gpu-ready")), Is.False);
        Assert.That(workspace.ReadManifest().Steps[GeneratePayloadStep.Name].LastAttempt!.Error, Is.EqualTo(ex.Message));
    }
}
