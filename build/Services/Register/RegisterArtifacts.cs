using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Services.Upload;

namespace GpuImageBuilder.Build.Services.Register;

/// <summary>What Register reads of one image: the payload GeneratePayload wrote and, when Upload ran, what it proved.</summary>
public sealed record RegisterArtifacts(ImagePayload Payload, UploadedObject? Uploaded)
{
    /// <summary>
    /// Reads output/&lt;image&gt;/payload.json and upload.json. A missing payload, or (outside a dry run) a missing
    /// upload record, is one line naming the file and the task that writes it.
    /// </summary>
    /// <remarks>The payload is checked against the contract again: one edited by hand is refused before any request.</remarks>
    public static RegisterArtifacts Read(ArtifactPaths paths, PayloadValidator validator, string image, bool uploadRequired)
    {
        var payloadPath = paths.Payload(image);
        if (!File.Exists(payloadPath))
        {
            throw new RegisterException($"{image}: {payloadPath} is missing: run GeneratePayload (--target=GeneratePayload) first");
        }

        ImagePayload payload;
        try
        {
            payload = validator.Read(image, payloadPath);
        }
        catch (PayloadException error)
        {
            throw new RegisterException($"{image}: {error.Message}");
        }

        var uploadPath = paths.Uploaded(image);
        var uploaded = UploadedObjectFile.Read(uploadPath);
        if (uploaded is null && uploadRequired)
        {
            throw new RegisterException($"{image}: {uploadPath} is missing or unreadable: the raw has not been uploaded; run Upload (--target=Upload) first");
        }

        var otherObject = uploaded is not null && uploaded.Url.GetLeftPart(UriPartial.Path) != payload.Spec.Uri.GetLeftPart(UriPartial.Path);
        if (otherObject && !uploadRequired)
        {
            // A dry run with other S3 settings than the last real upload: that Upload would have published to the
            // payload's URL, so the old record says nothing about this run.
            uploaded = null;
        }
        else if (otherObject)
        {
            throw new RegisterException(
                $"{image}: payload.json points at {payload.Spec.Uri.GetLeftPart(UriPartial.Path)} but Upload published {uploaded!.Url}: run GeneratePayload again with the same S3 settings");
        }

        return new RegisterArtifacts(payload, uploaded);
    }
}

/// <summary>Register cannot go on: the one line says why and what to do.</summary>
public sealed class RegisterException(string message) : Exception(message);
