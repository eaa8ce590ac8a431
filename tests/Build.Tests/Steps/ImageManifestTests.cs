using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Services.Audit;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Steps;
using GpuImageBuilder.Build.Tests.Infrastructure;
using Newtonsoft.Json.Linq;

namespace GpuImageBuilder.Build.Tests.Steps;

/// <summary>The typed manifest: one schema on disk, and per step what produced the artifact apart from the last attempt.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ImageManifestTests
{
    [Test]
    public void The_file_carries_its_schema_version_and_round_trips()
    {
        var manifest = new ImageManifest
        {
            Name = "gpu-ready",
            Raw = new RawSection("gpu-ready.raw", 8L << 30, 1234, new string('b', 64)),
            Audit = new AuditSection(true, [], false, new Dictionary<string, string> { ["kubelet"] = "1.30.14-" }, new string('b', 64)),
        }.WithStep("ConvertRaw", new StepRecord(new ProducingRun(3.5, DateTime.UnixEpoch), new StepAttempt(StepOutcome.Cached, DateTime.UnixEpoch, 0.1)));
        var json = JObject.Parse(manifest.ToJson());
        Assert.That(json.Value<int>("schemaVersion"), Is.EqualTo(ImageManifest.CurrentSchemaVersion));
        Assert.That(json["raw"]!.Value<string>("sha256"), Is.EqualTo(new string('b', 64)));
        Assert.That(json["steps"]!["ConvertRaw"]!["lastAttempt"]!.Value<string>("outcome"), Is.EqualTo("cached"), "step names keep their case, enums are words");
        Assert.That(json["steps"]!["ConvertRaw"]!["produced"]!.Value<bool>("cached"), Is.False);

        var read = ImageManifest.Parse(manifest.ToJson());
        Assert.That(read.Raw, Is.EqualTo(manifest.Raw));
        Assert.That(read.Steps["ConvertRaw"], Is.EqualTo(manifest.Steps["ConvertRaw"]));
        Assert.That(read.Audit!.PinnedPackages["kubelet"], Is.EqualTo("1.30.14-"));
    }

    [Test]
    public void A_manifest_of_the_untyped_era_still_reads_so_a_passed_gate_stays_cached()
    {
        var old = """{ "name": "gpu-ready", "audit": { "passed": true, "rawSha256": "abc", "violations": [], "firmwareOptionExpected": false, "pinnedPackages": {} }, "steps": { "ConvertRaw": { "seconds": 1.0, "cached": false } } }""";
        var read = ImageManifest.Parse(old);
        Assert.That(read.Audit!.Passed, Is.True);
        Assert.That(read.Audit.RawSha256, Is.EqualTo("abc"));
        Assert.That(read.SchemaVersion, Is.EqualTo(ImageManifest.CurrentSchemaVersion));
    }

    [Test]
    public async Task A_failed_attempt_is_recorded_with_its_error_and_keeps_the_run_that_produced_the_artifact()
    {
        using var output = new TempDir();
        var workspace = new ImageWorkspace(StepFixtures.Catalog()["gpu-ready"], new ArtifactPaths(output.Path));
        await workspace.RecordAsync("SmokeBoot", () => Task.FromResult(new StepDone<bool>(true, StepOutcome.Passed)));
        var produced = workspace.ReadManifest().Steps["SmokeBoot"].Produced;
        Assert.That(produced, Is.Not.Null);

        await Assert.ThrowsAsync<SmokeBootFailure>(() => workspace.RecordAsync<bool>("SmokeBoot", () => throw new SmokeBootFailure("no marker within 0:15:00")));
        var step = workspace.ReadManifest().Steps["SmokeBoot"];
        Assert.That(step.LastAttempt!.Outcome, Is.EqualTo(StepOutcome.Failed));
        Assert.That(step.LastAttempt.Error, Is.EqualTo("no marker within 0:15:00"));
        Assert.That(step.Produced, Is.EqualTo(produced), "the failure does not overwrite what produced the last good result");

        await workspace.RecordAsync("SmokeBoot", () => Task.FromResult(new StepDone<bool>(true, StepOutcome.Cached)));
        step = workspace.ReadManifest().Steps["SmokeBoot"];
        Assert.That(step.LastAttempt!.Outcome, Is.EqualTo(StepOutcome.Cached));
        Assert.That(step.Produced, Is.EqualTo(produced), "a cache hit is an attempt, not a producing run");
    }

    [Test]
    public void A_gate_is_passed_only_for_the_same_raw_bytes()
    {
        var raw = new ArtifactStamp("qcow", new string('c', 64), 1, DateTime.UnixEpoch, 1);
        Assert.That(ImageWorkspace.AlreadyPassed(new SmokeBootSection(true, "OK", "tcg", new string('c', 64)), raw), Is.True);
        Assert.That(ImageWorkspace.AlreadyPassed(new SmokeBootSection(true, "OK", "tcg", new string('d', 64)), raw), Is.False);
        Assert.That(ImageWorkspace.AlreadyPassed(new SmokeBootSection(false, "FAIL", "tcg", new string('c', 64)), raw), Is.False);
        Assert.That(ImageWorkspace.AlreadyPassed(null, raw), Is.False);
    }

    private sealed class SmokeBootFailure(string message) : Exception(message);
}
