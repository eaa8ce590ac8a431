using System.Collections.Concurrent;
using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using GpuImageBuilder.Build.Services.Publishing;
using Polly;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>One raw to put at one location.</summary>
/// <param name="StatePath">Where the resume record lives (output/&lt;image&gt;/.upload-state.json).</param>
public sealed record UploadJob(ObjectLocation Location, string RawPath, PartPlan Plan, string Sha256, int Parallelism, string StatePath);

/// <summary>How an upload ended.</summary>
public enum UploadOutcome
{
    Uploaded,
    Resumed,
    AlreadyThere,
}

/// <summary>What the engine did: the outcome, the bytes sent / copied server-side / skipped, the time, and how zero parts were made.</summary>
public sealed record UploadResult(UploadOutcome Outcome, long Sent, long Copied, long Skipped, TimeSpan Elapsed, string ZeroParts);

/// <summary>
/// The multipart engine, on the low-level API: resume or create the upload, send data parts in parallel with
/// Content-MD5, make zero parts server-side (<see cref="ZeroPartMode"/>), complete, and clean up stale uploads. A file
/// of one part goes in a single PutObject. Over 200 lines because resume, the zero-part decision and the failure policy
/// share the same per-upload state; each piece is a method.
/// <para>
/// Failure policy: an interruption, a dropped connection, a timeout or a 5xx keeps the multipart upload and its
/// resume record, so the next run sends only what is missing. An error that makes the uploaded parts useless
/// (BadDigest, InvalidPart, EntityTooSmall: the bytes or the cut are wrong) aborts it; one that needs an input fixed
/// (403, NoSuchBucket) keeps it: after the fix the parts are still good.
/// </para>
/// </summary>
public sealed class MultipartEngine(IAmazonS3 client, UploadTuning tuning, UploadCounters counters, IBuildLog log)
{
    /// <summary>
    /// Auto mode keeps copying unless a copy took this many times longer per byte than a sent part. The costs of a
    /// wrong guess are lopsided: sending zeros over a slow link costs the whole link time of those bytes, copying on a
    /// fast loopback costs about what sending would (RGW copies the bytes itself); and both timings are noisy on a
    /// loaded machine. So only a clearly faster send wins.
    /// </summary>
    public const double CopyTolerance = 1.5;

    private static readonly string[] UselessUploadErrors = ["BadDigest", "InvalidPart", "InvalidPartOrder", "EntityTooSmall", "InvalidDigest"];

    public async Task<UploadResult> UploadAsync(UploadJob job, CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        var retry = S3Retry.Pipeline(tuning, cancellation);
        var location = job.Location;
        if (await ExistingMatchesAsync(job, retry, cancellation))
        {
            counters.AddSkipped(job.Plan.Size);
            return new UploadResult(UploadOutcome.AlreadyThere, 0, 0, job.Plan.Size, watch.Elapsed, "none");
        }

        using var raw = new SafeFileHandleSource(job.RawPath);
        if (job.Plan.SinglePut)
        {
            await PutSingleAsync(job, raw, retry, cancellation);
            return new UploadResult(UploadOutcome.Uploaded, counters.Sent, 0, 0, watch.Elapsed, "none");
        }

        var (uploadId, existing) = await ResumeOrCreateAsync(job, retry, cancellation);
        var resumed = existing.Count > 0;
        try
        {
            var completed = new ConcurrentDictionary<int, string>();
            var (sendSecondsPerByte, zeroParts) = await SendDataPartsAsync(job, raw, uploadId, existing, completed, retry, cancellation);
            var zeroHow = await MakeZeroPartsAsync(job, uploadId, zeroParts, sendSecondsPerByte, completed, retry, cancellation);

            counters.AddRequest();
            await retry.ExecuteAsync(async ct => await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = location.Bucket,
                Key = location.Key,
                UploadId = uploadId,
                PartETags = [.. completed.OrderBy(p => p.Key).Select(p => new PartETag(p.Key, p.Value))],
            }, ct), cancellation);
            File.Delete(job.StatePath);
            await AbortStaleAsync(location, keep: uploadId, cancellation);
            return new UploadResult(resumed ? UploadOutcome.Resumed : UploadOutcome.Uploaded, counters.Sent, counters.Copied, counters.Skipped, watch.Elapsed, zeroHow);
        }
        catch (Exception ex) when (!cancellation.IsCancellationRequested && S3Failure.Find<AmazonS3Exception>(ex) is { } s3 && UselessUploadErrors.Contains(s3.ErrorCode))
        {
            log.Warning($"{location}: the server refused a part ({s3.ErrorCode}); aborting multipart upload so the next run starts clean");
            await TryAbortAsync(location, uploadId);
            File.Delete(job.StatePath);
            throw;
        }
        catch (Exception ex) when (!cancellation.IsCancellationRequested && S3Failure.Find<AmazonS3Exception>(ex) is { ErrorCode: "NoSuchUpload" })
        {
            File.Delete(job.StatePath); // the upload is gone (aborted elsewhere): the next run creates a new one
            throw;
        }
    }

    /// <summary>HeadObject: an object of the same size and metadata sha256 is the same image; nothing to send.</summary>
    private async Task<bool> ExistingMatchesAsync(UploadJob job, ResiliencePipeline retry, CancellationToken cancellation)
    {
        try
        {
            var head = await retry.ExecuteAsync(async ct =>
            {
                counters.AddRequest();
                return await client.GetObjectMetadataAsync(job.Location.Bucket, job.Location.Key, ct);
            }, cancellation);
            return head.ContentLength == job.Plan.Size && head.Metadata["sha256"] == job.Sha256;
        }
        catch (AmazonS3Exception ex) when (S3Failure.IsNotFound(ex))
        {
            return false;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.Forbidden && ex.ErrorCode is null or "" or "Forbidden")
        {
            // A HEAD answer has no body, so a 403 does not say whether the key, the signature or a permission is
            // wrong. One GET that Upload needs anyway (the key's multipart uploads) gets the server's error code.
            counters.AddRequest();
            await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = job.Location.Bucket, Prefix = job.Location.Key, MaxUploads = 1 }, cancellation);
            throw;
        }
    }

    private async Task PutSingleAsync(UploadJob job, SafeFileHandleSource raw, ResiliencePipeline retry, CancellationToken cancellation)
    {
        using var data = PartData.Read(raw, job.Plan.Parts[0] with { HasData = true });
        await retry.ExecuteAsync(async ct =>
        {
            counters.AddRequest();
            using var body = data.OpenRead();
            var request = new PutObjectRequest { BucketName = job.Location.Bucket, Key = job.Location.Key, InputStream = body, MD5Digest = data.Md5Base64, AutoCloseStream = false };
            request.Metadata["sha256"] = job.Sha256;
            await client.PutObjectAsync(request, ct);
        }, cancellation);
        counters.AddSent(data.Length);
    }

    /// <summary>
    /// The upload to continue (the local record's, if the server still has it, with the parts it lists) or a new one.
    /// The record is written before any part is sent, so an interruption at any point leaves something to resume.
    /// </summary>
    private async Task<(string UploadId, IReadOnlyDictionary<int, PartDetail> Parts)> ResumeOrCreateAsync(UploadJob job, ResiliencePipeline retry, CancellationToken cancellation)
    {
        var location = job.Location;
        var state = UploadState.Read(job.StatePath);
        if (state is not null && state.Matches(location.S3.Endpoint.ToString(), location.Bucket, location.Key, job.Plan.Size, job.Plan.PartSize, job.Sha256))
        {
            try
            {
                var parts = new Dictionary<int, PartDetail>();
                int? marker = null;
                ListPartsResponse page;
                do
                {
                    page = await retry.ExecuteAsync(async ct =>
                    {
                        counters.AddRequest();
                        return await client.ListPartsAsync(new ListPartsRequest { BucketName = location.Bucket, Key = location.Key, UploadId = state.UploadId, PartNumberMarker = marker?.ToString() }, ct);
                    }, cancellation);
                    foreach (var part in page.Parts ?? [])
                    {
                        parts[part.PartNumber ?? 0] = part;
                    }

                    marker = page.NextPartNumberMarker;
                }
                while (page.IsTruncated == true);

                log.Information($"{location}: resuming multipart upload ({parts.Count} of {job.Plan.Parts.Count} parts on the server)");
                return (state.UploadId, parts);
            }
            catch (AmazonS3Exception ex) when (S3Failure.IsNotFound(ex))
            {
                // RGW answers 404 NoSuchKey (AWS: NoSuchUpload) for an aborted or expired upload: start again.
                log.Information($"{location}: the recorded multipart upload is gone from the server; starting a new one");
            }
        }

        var create = new InitiateMultipartUploadRequest { BucketName = location.Bucket, Key = location.Key };
        create.Metadata["sha256"] = job.Sha256;
        var created = await retry.ExecuteAsync(async ct =>
        {
            counters.AddRequest();
            return await client.InitiateMultipartUploadAsync(create, ct);
        }, cancellation);
        new UploadState(UploadState.CurrentSchemaVersion, location.S3.Endpoint.ToString(), location.Bucket, location.Key, created.UploadId, job.Plan.Size, job.Plan.PartSize, job.Sha256).Write(job.StatePath);
        return (created.UploadId, new Dictionary<int, PartDetail>());
    }

    /// <summary>
    /// Sends every data part not already on the server (a listed part counts only if its size and ETag match the
    /// local bytes' MD5), in parallel. Returns the mean seconds per byte of the sent parts, and the parts that are all
    /// zeros (holes, and data parts that read as zeros) for <see cref="MakeZeroPartsAsync"/>.
    /// </summary>
    private async Task<(double SecondsPerByte, List<PlannedPart> ZeroParts)> SendDataPartsAsync(
        UploadJob job, SafeFileHandleSource raw, string uploadId, IReadOnlyDictionary<int, PartDetail> existing,
        ConcurrentDictionary<int, string> completed, ResiliencePipeline retry, CancellationToken cancellation)
    {
        var zeroParts = new ConcurrentBag<PlannedPart>();
        var timings = new ConcurrentBag<(double Seconds, long Bytes)>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = job.Parallelism, CancellationToken = cancellation };
        await Parallel.ForEachAsync(job.Plan.Parts, options, async (part, ct) =>
        {
            if (!part.HasData)
            {
                if (IsOnServer(existing, part, Convert.ToHexStringLower(PartData.ZeroPartMd5(part.Length))))
                {
                    completed[part.Number] = existing[part.Number].ETag;
                    counters.AddSkipped(part.Length);
                }
                else
                {
                    zeroParts.Add(part);
                }

                return;
            }

            using var data = PartData.Read(raw, part);
            if (IsOnServer(existing, part, data.Md5Hex))
            {
                completed[part.Number] = existing[part.Number].ETag;
                counters.AddSkipped(part.Length);
                return;
            }

            if (data.AllZero && tuning.ZeroParts != ZeroPartMode.Send)
            {
                zeroParts.Add(part with { HasData = false });
                return;
            }

            var watch = Stopwatch.StartNew();
            completed[part.Number] = await SendPartAsync(job.Location, uploadId, part, data, retry, ct);
            timings.Add((watch.Elapsed.TotalSeconds, part.Length));
        });

        var perByte = timings.IsEmpty ? double.PositiveInfinity : timings.Sum(t => t.Seconds) / timings.Sum(t => t.Bytes);
        return (perByte, [.. zeroParts.OrderBy(p => p.Number)]);
    }

    private static bool IsOnServer(IReadOnlyDictionary<int, PartDetail> existing, PlannedPart part, string md5Hex) =>
        existing.TryGetValue(part.Number, out var listed) && listed.Size == part.Length && listed.ETag.Trim('"') == md5Hex;

    private async Task<string> SendPartAsync(ObjectLocation location, string uploadId, PlannedPart part, PartData data, ResiliencePipeline retry, CancellationToken cancellation)
    {
        var response = await retry.ExecuteAsync(async ct =>
        {
            counters.AddRequest();
            using var body = data.OpenRead();
            return await client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = location.Bucket,
                Key = location.Key,
                UploadId = uploadId,
                PartNumber = part.Number,
                PartSize = part.Length,
                InputStream = body,
                MD5Digest = data.Md5Base64,
            }, ct);
        }, cancellation);
        counters.AddSent(part.Length);
        return response.ETag;
    }

    /// <summary>
    /// Makes the all-zero parts: copied server-side from the zero object, or sent, as <see cref="UploadTuning.ZeroParts"/>
    /// says (Auto: the first batch is copied and timed against the sent data parts, then the faster way is kept).
    /// A server without UploadPartCopy (NotImplemented, InvalidRequest on the first copy) gets them sent.
    /// </summary>
    private async Task<string> MakeZeroPartsAsync(UploadJob job, string uploadId, List<PlannedPart> zeroParts, double sendSecondsPerByte, ConcurrentDictionary<int, string> completed, ResiliencePipeline retry, CancellationToken cancellation)
    {
        if (zeroParts.Count == 0)
        {
            return "none";
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = job.Parallelism, CancellationToken = cancellation };
        var rest = zeroParts;
        var how = "sent";
        if (tuning.ZeroParts != ZeroPartMode.Send)
        {
            var zeroKey = await new ZeroObject(client, retry, counters).EnsureAsync(job.Location, job.Plan.PartSize, cancellation);
            var probe = zeroParts.Take(tuning.ZeroParts == ZeroPartMode.Auto ? job.Parallelism : zeroParts.Count).ToList();
            var copyTimings = new ConcurrentBag<(double Seconds, long Bytes)>();
            try
            {
                await Parallel.ForEachAsync(probe, options, async (part, ct) =>
                {
                    var watch = Stopwatch.StartNew();
                    completed[part.Number] = await CopyPartAsync(job.Location, uploadId, zeroKey, part, retry, ct);
                    copyTimings.Add((watch.Elapsed.TotalSeconds, part.Length));
                });
                rest = [.. zeroParts.Skip(probe.Count)];
                var copyPerByte = copyTimings.Sum(t => t.Seconds) / Math.Max(copyTimings.Sum(t => t.Bytes), 1);
                var copyWins = tuning.ZeroParts == ZeroPartMode.Copy || copyPerByte <= CopyTolerance * sendSecondsPerByte;
                how = copyWins ? "copied server-side" : $"sent (a copy took {copyPerByte * job.Plan.PartSize:0.00} s per part, a send {sendSecondsPerByte * job.Plan.PartSize:0.00} s)";
                if (tuning.ZeroParts == ZeroPartMode.Auto && rest.Count > 0)
                {
                    log.Verbose($"{job.Location}: zero parts {how}");
                }

                if (copyWins)
                {
                    await Parallel.ForEachAsync(rest, options, async (part, ct) => completed[part.Number] = await CopyPartAsync(job.Location, uploadId, zeroKey, part, retry, ct));
                    return how;
                }
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode is "NotImplemented" or "InvalidRequest" && copyTimings.IsEmpty)
            {
                log.Information($"{job.Location}: the server does not support UploadPartCopy ({ex.ErrorCode}); sending zero parts");
                rest = zeroParts;
                how = "sent (no UploadPartCopy)";
            }
        }

        await Parallel.ForEachAsync(rest, options, async (part, ct) =>
        {
            using var zeros = PartData.Read(null!, part with { HasData = false });
            completed[part.Number] = await SendPartAsync(job.Location, uploadId, part, zeros, retry, ct);
        });
        return how;
    }

    private async Task<string> CopyPartAsync(ObjectLocation location, string uploadId, string zeroKey, PlannedPart part, ResiliencePipeline retry, CancellationToken cancellation)
    {
        var response = await retry.ExecuteAsync(async ct =>
        {
            counters.AddRequest();
            return await client.CopyPartAsync(new CopyPartRequest
            {
                SourceBucket = location.Bucket,
                SourceKey = zeroKey,
                DestinationBucket = location.Bucket,
                DestinationKey = location.Key,
                UploadId = uploadId,
                PartNumber = part.Number,
                FirstByte = 0,
                LastByte = part.Length - 1,
            }, ct);
        }, cancellation);
        counters.AddCopied(part.Length);
        return response.ETag;
    }

    /// <summary>After success, other unfinished uploads of the same key (older interrupted runs) are aborted.</summary>
    private async Task AbortStaleAsync(ObjectLocation location, string keep, CancellationToken cancellation)
    {
        try
        {
            counters.AddRequest();
            var uploads = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = location.Bucket, Prefix = location.Key }, cancellation);
            foreach (var stale in (uploads.MultipartUploads ?? []).Where(u => u.Key == location.Key && u.UploadId != keep))
            {
                log.Information($"{location}: aborting a stale multipart upload started {stale.Initiated:yyyy-MM-dd HH:mm} UTC");
                await TryAbortAsync(location, stale.UploadId);
            }
        }
        catch (AmazonS3Exception ex)
        {
            log.Warning($"{location}: could not list stale multipart uploads ({ex.ErrorCode}); they expire by the bucket's lifecycle rules, if any");
        }
    }

    private async Task TryAbortAsync(ObjectLocation location, string uploadId)
    {
        try
        {
            counters.AddRequest();
            await client.AbortMultipartUploadAsync(location.Bucket, location.Key, uploadId, CancellationToken.None);
        }
        catch (AmazonServiceException ex)
        {
            log.Warning($"{location}: could not abort multipart upload ({ex.ErrorCode})");
        }
    }
}
