using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Publishing;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>One checked raw to publish: its bytes, its SHA-256 from Checksum, where it goes and where its records go.</summary>
/// <param name="Label">How the log names it (the image).</param>
/// <param name="StatePath">The resume record (.upload-state.json).</param>
/// <param name="RecordPath">upload.json, written once the object is proven.</param>
public sealed record UploadRequest(string Label, string RawPath, string Sha256, ObjectLocation Location, UploadSettings Settings, S3Credentials? Credentials, string StatePath, string RecordPath);

/// <summary>What an upload did: the proven object (upload.json) and the engine's counts.</summary>
public sealed record UploadReport(UploadedObject Object, UploadResult Engine, PartPlan Plan);

/// <summary>
/// Plans, uploads (with progress), proves and records one raw: the whole of Upload for one image, without Cake or
/// parameters, so tests drive it against a real server. Every failure leaves as one <see cref="UploadException"/> line.
/// </summary>
public sealed class ImageUploader(S3ClientFactory clients, PublishedUrls urls, UploadTuning tuning, IBuildLog log)
{
    /// <summary>Counts of the last upload (tests read them; also on failure).</summary>
    public UploadCounters Counters { get; private set; } = new();

    public async Task<UploadReport> UploadAsync(UploadRequest request, CancellationToken cancellation)
    {
        var (label, location, upload) = (request.Label, request.Location, request.Settings);
        var plan = PartPlan.ForFile(request.RawPath, upload.PartSize);
        if (plan.PartSizeGrown)
        {
            log.Information($"{label}: part size raised from {UploadProgress.Mib(upload.PartSize)} to {UploadProgress.Mib(plan.PartSize)} (S3 allows at most {PartPlan.MaxParts} parts)");
        }

        if (plan.PartSize > PartData.MaxLength)
        {
            throw new UploadException($"--upload-part-size {UploadProgress.Mib(plan.PartSize)}: this uploader holds parts in memory and takes at most 1G; use a smaller part size");
        }

        var job = new UploadJob(location, request.RawPath, plan, request.Sha256, upload.Parallelism, request.StatePath);
        var counters = Counters = new UploadCounters();
        using var client = clients.Create(location.S3, request.Credentials);
        try
        {
            log.Information($"{label}: uploading {UploadProgress.Gib(plan.Size)} ({UploadProgress.Mib(plan.AllocatedBytes)} allocated) to {location} at {location.S3.Endpoint}, {(plan.SinglePut ? "one PutObject" : $"{plan.Parts.Count} parts of {UploadProgress.Mib(plan.PartSize)}, {plan.HoleParts} all-zero")}");
            UploadResult? result = null;
            await new UploadProgress(log).RunAsync($"{label} upload", plan.Size, counters, async () =>
                result = await new MultipartEngine(client, tuning, counters, log).UploadAsync(job, cancellation));
            var engine = result!;
            log.Information(engine.Outcome == UploadOutcome.AlreadyThere
                ? $"{label}: already uploaded: {location} has the same size and sha256; nothing sent"
                : $"{label}: {(engine.Outcome == UploadOutcome.Resumed ? "resumed and completed" : "uploaded")}: sent {UploadProgress.Mib(engine.Sent)}, copied server-side {UploadProgress.Mib(engine.Copied)}, skipped (already there) {UploadProgress.Mib(engine.Skipped)}, in {engine.Elapsed.TotalSeconds:0.0} s ({engine.Sent / 1048576.0 / Math.Max(engine.Elapsed.TotalSeconds, 0.001):0} MiB/s sent, {plan.Size / 1048576.0 / Math.Max(engine.Elapsed.TotalSeconds, 0.001):0} MiB/s of image); zero parts {engine.ZeroParts}");
            var uploaded = await new UploadVerifier(client, urls, log).VerifyAsync(location, plan.Size, request.Sha256, upload, cancellation);
            UploadedObjectFile.Write(request.RecordPath, uploaded);
            return new UploadReport(uploaded, engine, plan);
        }
        catch (Exception ex) when (ex is not UploadException && !(ex is OperationCanceledException && cancellation.IsCancellationRequested))
        {
            throw new UploadException(S3Failure.Describe(ex, location.S3, $"{label}: upload to {location}", cancellation), ex);
        }
    }
}
