using System.Diagnostics;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Services.Images;

namespace GpuImageBuilder.Build.Services.Steps;

/// <summary>
/// One image's corner of the output folder: where its artifacts, stamps, logs and manifest are, the scratch folders
/// its steps work in, and the record of what each step did. Every step of one image goes through the same workspace.
/// </summary>
public sealed class ImageWorkspace(ImageDefinition image, ArtifactPaths paths)
{
    public ImageDefinition Image { get; } = image;

    public string Name => Image.Name;

    public string Directory => paths.ImageDirectory(Name);

    public string Qcow2 => paths.Qcow2(Name);

    public string Raw => paths.Raw(Name);

    public string ManifestFile => paths.Manifest(Name);

    public string BuildSerialLog => Path.Combine(Directory, "logs", "build-serial.log");

    public string SmokeSerialLog => Path.Combine(Directory, "logs", "smoke-serial.log");

    /// <summary>Keeps a stalled attempt's serial log beside the others as logs/&lt;name&gt;.attemptN-stalled.log.</summary>
    public void KeepStalledLog(string serialLog, int attempt)
    {
        if (File.Exists(serialLog))
        {
            File.Copy(serialLog, Path.Combine(Path.GetDirectoryName(serialLog)!, $"{Path.GetFileNameWithoutExtension(serialLog)}.attempt{attempt}-stalled.log"), overwrite: true);
        }
    }

    public ArtifactStamp? Qcow2Stamp => ArtifactStamp.ReadValid(Qcow2);

    public ArtifactStamp? RawStamp => ArtifactStamp.ReadValid(Raw);

    /// <summary>The raw's stamp once Checksum has filled in its SHA-256; the gates (audit, smoke boot) need it.</summary>
    public ArtifactStamp RequireChecksummedRaw() =>
        RawStamp is { Sha256.Length: 64 } stamp ? stamp : throw new RawImageException($"{Raw} has no current checksum: run Checksum first");

    /// <summary>
    /// A fresh, empty scratch folder for one attempt at a step (removed by the caller's using): a retry gets a new one.
    /// </summary>
    public ScratchDirectory CreateScratch(string purpose) => new(NewScratchPath(purpose));

    /// <summary>A scratch path not yet created, for what must outlive the step (KEEP_VM's overlay).</summary>
    public string NewScratchPath(string purpose) => Path.Combine(paths.Work, $"{purpose}-{Name}-{Guid.NewGuid():N}");

    public ImageManifest ReadManifest() => ImageManifest.Read(ManifestFile);

    public ImageManifest UpdateManifest(Func<ImageManifest, ImageManifest> change) => ImageManifest.Update(ManifestFile, change);

    /// <summary>
    /// True when <paramref name="gate"/> already passed for the raw's current bytes: the one "already done for this
    /// raw" rule of the gates, so that --force is the only way to run a passed gate again on the same image.
    /// </summary>
    public static bool AlreadyPassed(IRawGateResult? gate, ArtifactStamp raw) =>
        gate is { Passed: true } && gate.RawSha256 == raw.Sha256;

    /// <summary>
    /// Runs one step and records it in the manifest: the attempt's outcome always (an exception is a failed attempt,
    /// with its message, and is rethrown), and as the producing run when the step did the work and it passed.
    /// </summary>
    public async Task<T> RecordAsync<T>(string step, Func<Task<StepDone<T>>> run)
    {
        var at = DateTime.UtcNow;
        var watch = Stopwatch.StartNew();
        StepDone<T> done;
        try
        {
            done = await run();
        }
        catch (Exception ex)
        {
            Record(step, new StepAttempt(StepOutcome.Failed, at, Seconds(watch.Elapsed), ex.Message), produced: null);
            throw;
        }

        var produced = done.Outcome == StepOutcome.Passed ? new ProducingRun(Seconds(watch.Elapsed), at) : done.ProducedEarlier;
        Record(step, new StepAttempt(done.Outcome, at, Seconds(watch.Elapsed)), produced);
        return done.Value;
    }

    private void Record(string step, StepAttempt attempt, ProducingRun? produced) =>
        UpdateManifest(m =>
        {
            var previous = m.Steps.GetValueOrDefault(step);
            return m.WithStep(step, new StepRecord(produced ?? previous?.Produced, attempt));
        });

    private static double Seconds(TimeSpan elapsed) => Math.Round(elapsed.TotalSeconds, 2);
}

/// <summary>How a step ended (passed, cached, skipped) and what it returns; for a cache hit, what produced the artifact.</summary>
public sealed record StepDone<T>(T Value, StepOutcome Outcome, ProducingRun? ProducedEarlier = null);

/// <summary>The workspaces of the images of one run, one per image.</summary>
public sealed class ImageWorkspaces(ArtifactPaths paths)
{
    private readonly Dictionary<string, ImageWorkspace> _byName = new(StringComparer.Ordinal);

    public ArtifactPaths Paths => paths;

    public ImageWorkspace For(ImageDefinition image)
    {
        if (!_byName.TryGetValue(image.Name, out var workspace))
        {
            _byName[image.Name] = workspace = new ImageWorkspace(image, paths);
        }

        return workspace;
    }
}
