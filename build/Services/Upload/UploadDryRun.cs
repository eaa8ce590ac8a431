using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Publishing;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>
/// What Upload would do for one image, as text, without any request or credential: where the object goes, the part
/// plan, the URL the payload carries, and every request (method, URL, headers; signatures shown as [REDACTED]).
/// </summary>
public static class UploadDryRun
{
    public const string Redacted = "[REDACTED]";

    /// <summary>The lines to print. <paramref name="plan"/> is null when the raw is not built yet.</summary>
    public static IReadOnlyList<string> Describe(ObjectLocation location, string rawPath, PartPlan? plan, string? sha256, UploadSettings upload)
    {
        var url = location.Url;
        var auth = $"Authorization: AWS4-HMAC-SHA256 Credential={Redacted}, SignedHeaders=..., Signature={Redacted}";
        var lines = new List<string>
        {
            $"object: {location} (bucket {location.Bucket}, key {location.Key}) at {location.S3.Endpoint} (region {location.S3.Region}, {(location.S3.PathStyle ? "path-style" : "virtual-hosted")})",
            $"payload URL (spec.uri): {url}{(upload.UrlMode == ObjectUrlMode.Presigned ? $" (presigned at send time, expires after {upload.PresignExpiry})" : " (public-read)")}",
        };
        if (plan is null)
        {
            lines.Add($"raw: {rawPath} is not built yet (run ConvertRaw and Checksum): size and part plan unknown");
            return lines;
        }

        var zeroParts = plan.Parts.Where(p => !p.HasData).ToList();
        var dataParts = plan.Parts.Where(p => p.HasData).ToList();
        lines.Add($"raw: {rawPath}, {plan.Size} bytes ({UploadProgress.Gib(plan.Size)}), {plan.AllocatedBytes} allocated ({UploadProgress.Mib(plan.AllocatedBytes)}), sha256 {sha256 ?? "(not checksummed yet)"}");
        lines.Add(plan.SinglePut
            ? $"plan: one PutObject of {plan.Size} bytes (smaller than a part)"
            : $"plan: {plan.Parts.Count} parts of {UploadProgress.Mib(plan.PartSize)}{(plan.PartSizeGrown ? $" (grown from {UploadProgress.Mib(upload.PartSize)}: S3 allows {PartPlan.MaxParts} parts)" : string.Empty)}, {upload.Parallelism} at once: {dataParts.Count} with data sent ({UploadProgress.Mib(dataParts.Sum(p => p.Length))}), {zeroParts.Count} all-zero made server-side by UploadPartCopy where the server supports it and it is measured cheaper than sending ({UploadProgress.Mib(zeroParts.Sum(p => p.Length))})");
        lines.Add("requests (none sent):");
        void Request(string method, string target, params string[] headers)
        {
            lines.Add($"  {method} {target}");
            foreach (var header in headers.Append(auth))
            {
                lines.Add($"    {header}");
            }
        }

        Request("HEAD", $"{url}", "(already there with the same size and x-amz-meta-sha256? then nothing is sent)");
        if (plan.SinglePut)
        {
            Request("PUT", $"{url}", $"Content-Length: {plan.Size}", "Content-MD5: (of the file)", $"x-amz-meta-sha256: {sha256}");
        }
        else
        {
            Request("POST", $"{url}?uploads", $"x-amz-meta-sha256: {sha256}", "(or, with a resume record: GET ?uploadId=...&part-number-marker= to ListParts)");
            if (dataParts.Count > 0)
            {
                Request("PUT", $"{url}?partNumber={{n}}&uploadId={{uploadId}}", $"parts {Ranges(dataParts.Select(p => p.Number))}", $"Content-Length: {Math.Min(plan.PartSize, plan.Size)} (last part: {plan.Parts[^1].Length})", "Content-MD5: (of each part)");
            }

            if (zeroParts.Count > 0)
            {
                var zeroKey = ZeroObject.KeyFor(location, plan.PartSize);
                var zeroUrl = new ObjectLocation(location.S3, zeroKey).Url;
                Request("HEAD", $"{zeroUrl}", "(the zero object; PUT once per part size if missing)");
                Request("PUT", $"{url}?partNumber={{n}}&uploadId={{uploadId}}", $"parts {Ranges(zeroParts.Select(p => p.Number))}", $"x-amz-copy-source: {location.Bucket}/{zeroKey}", "x-amz-copy-source-range: bytes=0-{part length - 1}");
            }

            Request("POST", $"{url}?uploadId={{uploadId}}", "(CompleteMultipartUpload: the part numbers and ETags)");
            Request("GET", $"{new ObjectLocation(location.S3, string.Empty).Url}?uploads&prefix={location.Key}", "(stale uploads of this key, each then DELETE ?uploadId=)");
        }

        Request("HEAD", $"{url}", "(size and x-amz-meta-sha256 must match)");
        if (upload.UrlMode == ObjectUrlMode.Public)
        {
            Request("PUT", $"{url}?acl", "x-amz-acl: public-read");
            lines.Add($"  GET {url}");
            lines.Add("    Range: bytes=0-511 (anonymous: no Authorization; must answer 206 with 512 bytes ending 55 AA)");
        }
        else
        {
            lines.Add($"  GET {url}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={Redacted}&X-Amz-Date=...&X-Amz-Expires={(long)upload.PresignExpiry.TotalSeconds}&X-Amz-SignedHeaders=host&X-Amz-Signature={Redacted}");
            lines.Add("    Range: bytes=0-511 (no Authorization header; must answer 206 with 512 bytes ending 55 AA)");
        }

        return lines;
    }

    /// <summary>"1-3, 7, 9-12".</summary>
    public static string Ranges(IEnumerable<int> numbers)
    {
        var parts = new List<string>();
        int? start = null, last = null;
        foreach (var n in numbers.Order())
        {
            if (last is not null && n == last + 1)
            {
                last = n;
                continue;
            }

            Flush();
            start = last = n;
        }

        Flush();
        return string.Join(", ", parts);

        void Flush()
        {
            if (start is not null)
            {
                parts.Add(start == last ? $"{start}" : $"{start}-{last}");
            }
        }
    }
}
