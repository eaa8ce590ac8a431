using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Services.Upload;

namespace GpuImageBuilder.Build.Services.Steps;

/// <summary>
/// Upload: puts output/&lt;image&gt;/&lt;image&gt;.raw at its <see cref="ObjectLocation"/> (resuming an interrupted upload,
/// skipping one already there), proves it (HeadObject, Range GET through the published URL) and writes upload.json.
/// With --dry-run it prints the plan and the requests and sends nothing. Refuses a raw Checksum has not vouched for.
/// </summary>
public sealed class UploadStep(
    BuildParameters parameters,
    ImageWorkspaces workspaces,
    ImageUploader uploader,
    IBuildLog log) : IImageStep
{
    public const string Name = "Upload";

    /// <summary>The result, or null for a dry run.</summary>
    public async Task<UploadReport?> RunAsync(ImageDefinition image, CancellationToken cancellation)
    {
        var s3 = parameters.RequireS3();
        var upload = parameters.Upload;
        var location = ObjectLocation.ForImage(s3, parameters.RegisteredName(image.Name));
        var workspace = workspaces.For(image);
        if (parameters.DryRun)
        {
            var stamp = workspace.RawStamp;
            var plan = stamp is null ? null : PartPlan.ForFile(workspace.Raw, upload.PartSize);
            foreach (var line in UploadDryRun.Describe(location, workspace.Raw, plan, stamp is { Sha256.Length: 64 } ? stamp.Sha256 : null, upload))
            {
                log.Information($"{image.Name}: {line}");
            }

            return null;
        }

        return await workspace.RecordAsync(Name, async () =>
        {
            var request = new UploadRequest(image.Name, workspace.Raw, CheckedSha256(workspace), location, upload, parameters.S3Credentials,
                Path.Combine(workspace.Directory, ".upload-state.json"), workspaces.Paths.Uploaded(image.Name));
            var result = await uploader.UploadAsync(request, cancellation);
            return new StepDone<UploadReport>(result, result.Engine.Outcome == UploadOutcome.AlreadyThere ? StepOutcome.Cached : StepOutcome.Passed);
        });
    }

    Task IImageStep.RunAsync(ImageDefinition image, CancellationToken cancellation) => RunAsync(image, cancellation);

    /// <summary>The raw's SHA-256 as Checksum recorded it, refusing a raw that changed since (its stamp no longer matches).</summary>
    private static string CheckedSha256(ImageWorkspace workspace)
    {
        var stamp = workspace.RawStamp;
        if (stamp is not { Sha256.Length: 64 })
        {
            throw new UploadException(File.Exists(workspace.Raw)
                ? $"{workspace.Raw} has no current checksum (it changed since Checksum ran, or Checksum never ran): run Checksum first"
                : $"{workspace.Raw} does not exist: run ConvertRaw and Checksum first");
        }

        var manifest = workspace.ReadManifest();
        if (manifest.Raw?.Sha256 != stamp.Sha256)
        {
            throw new UploadException($"{workspace.ManifestFile} does not record the raw's sha256 {stamp.Sha256}: run Checksum first");
        }

        return stamp.Sha256;
    }
}
