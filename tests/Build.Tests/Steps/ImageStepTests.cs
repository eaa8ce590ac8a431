using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Packer;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Steps;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Steps;

/// <summary>
/// The steps called directly, without Cake or any image tool: the cache decisions and what they leave in the
/// manifest. (The work itself, with real tools, is the Pipeline category's.)
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ImageStepTests
{
    private sealed class StepRig : IDisposable
    {
        private readonly TempDir _output = new();

        public StepRig(params (string, string)[] parameters)
        {
            Paths = new ArtifactPaths(_output.Path);
            // tcg: no probe boot, whatever the machine.
            Parameters = StepFixtures.Parameters([(Arg.Accelerator, "tcg"), .. parameters]);
            var assets = new AssetPaths(RepoPaths.Root);
            Workspaces = new ImageWorkspaces(Paths);
            Planner = new BuildPlanner(Parameters, StepFixtures.Catalog(), assets, Paths);
            var runner = new CommandRunner();
            var accelerator = new AcceleratorSelection(Parameters, Paths, runner, Log);
            BuildQcow2 = new BuildQcow2Step(Parameters, assets, Paths, Workspaces, Planner, accelerator, runner, new PackerTool(runner), Log);
            ConvertRaw = new ConvertRawStep(Parameters, Workspaces, runner, Log);
            Audit = new AuditImageStep(Parameters, Workspaces, accelerator, runner, Log);
        }

        public ArtifactPaths Paths { get; }

        public BuildParameters Parameters { get; }

        public ImageWorkspaces Workspaces { get; }

        public BuildPlanner Planner { get; }

        public ListLog Log { get; } = new();

        public BuildQcow2Step BuildQcow2 { get; }

        public ConvertRawStep ConvertRaw { get; }

        public AuditImageStep Audit { get; }

        public void Dispose() => _output.Dispose();
    }

    [Test]
    public async Task A_current_qcow2_skips_Packer_and_the_manifest_keeps_the_run_that_built_it()
    {
        using var steps = new StepRig();
        var image = StepFixtures.Catalog()["gpu-ready"];
        var stamp = StepFixtures.PlantQcow2(steps.Paths, image.Name, steps.Planner.Plan(image).InputsHash);

        Assert.That(await steps.BuildQcow2.RunAsync(image, CancellationToken.None), Is.False, "Packer did not run");
        Assert.That(steps.Log.Lines, Has.Some.StartsWith("info: gpu-ready: qcow2 is up to date"));
        var record = steps.Workspaces.For(image).ReadManifest().Steps[BuildQcow2Step.Name];
        Assert.That(record.LastAttempt!.Outcome, Is.EqualTo(StepOutcome.Cached));
        Assert.That(record.Produced, Is.EqualTo(new ProducingRun(stamp.Seconds, stamp.ModifiedUtc)));
    }

    [Test]
    public async Task ConvertRaw_without_a_finished_qcow2_fails_and_the_attempt_says_why()
    {
        using var steps = new StepRig();
        var image = StepFixtures.Catalog()["gpu-ready"];
        await Assert.ThrowsAsync<RawImageException>(() => steps.ConvertRaw.RunAsync(image, CancellationToken.None));
        var attempt = steps.Workspaces.For(image).ReadManifest().Steps[ConvertRawStep.Name].LastAttempt!;
        Assert.That(attempt.Outcome, Is.EqualTo(StepOutcome.Failed));
        Assert.That(attempt.Error, Does.Contain("is missing or not from a finished build: run BuildQcow2"));
    }

    [TestCase(false, true, Description = "passed for these bytes: skipped")]
    [TestCase(true, false, Description = "--force audits again")]
    public async Task An_audit_that_passed_for_the_same_raw_is_not_repeated_unless_forced(bool force, bool skipped)
    {
        using var steps = new StepRig(force ? [(Arg.Force, "true")] : Array.Empty<(string, string)>());
        var image = StepFixtures.Catalog()["gpu-ready"];
        var workspace = steps.Workspaces.For(image);
        Directory.CreateDirectory(workspace.Directory);
        await File.WriteAllTextAsync(workspace.Raw, string.Empty);
        var sha = new string('e', 64);
        ArtifactStamp.For(workspace.Raw, "qcow", sha, TimeSpan.FromSeconds(1)).Write(workspace.Raw);
        workspace.UpdateManifest(m => m with { Audit = new AuditSection(true, [], false, new Dictionary<string, string>(), sha) });

        var run = steps.Audit.RunAsync(image, CancellationToken.None);
        if (skipped)
        {
            await run;
            Assert.That(steps.Log.Lines, Has.Some.StartsWith("info: gpu-ready: audit already passed for this raw (eeeeeeeeeeee)"));
            Assert.That(workspace.ReadManifest().Steps[AuditImageStep.Name].LastAttempt!.Outcome, Is.EqualTo(StepOutcome.Cached));
        }
        else
        {
            // Forced, it really audits: the empty file fails in the auditor's first check, and that is recorded.
            await Assert.ThrowsAsync<GpuImageBuilder.Build.Services.Audit.ImageAuditException>(() => run);
            Assert.That(steps.Log.Lines, Has.None.Contains("audit already passed"));
            Assert.That(workspace.ReadManifest().Steps[AuditImageStep.Name].LastAttempt!.Outcome, Is.EqualTo(StepOutcome.Failed));
        }
    }
}
