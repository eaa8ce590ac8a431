using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Services.Region;
using GpuImageBuilder.Build.Services.Steps;

namespace GpuImageBuilder.Build.Services.Register;

/// <summary>
/// Register: finds the image's registered name among the organization's own images; the same content (same SHA-256
/// tag) is nothing to do (or a wait, while it imports); other content is an error unless --replace, which deletes
/// it; otherwise POSTs the payload and waits for <c>ready</c> (<see cref="ImportWatcher"/>). A dry run prints the
/// requests instead (<see cref="RegisterDryRun"/>) and needs no token.
/// </summary>
public sealed class RegisterStep(RegisterOptions options, ArtifactPaths paths, PayloadValidator validator, IBuildLog log, IObjectUrlSigner? signer = null)
    : IImageStep, IDisposable
{
    public const string Name = "Register";

    private RegionClient? _client;

    public async Task<RegionImage?> RunAsync(ImageDefinition image, CancellationToken cancellation)
    {
        var artifacts = RegisterArtifacts.Read(paths, validator, image.Name, uploadRequired: !options.DryRun);
        var payload = Tagged(artifacts, options.DryRun);
        var name = payload.Metadata.Name;
        if (options.DryRun)
        {
            new RegisterDryRun(options, log).Print(image.Name, payload);
            return null;
        }

        var client = Client();
        var sha = payload.Metadata.Tags!.First(t => t.Name == PayloadTags.Sha256).Value;
        bool IsThisImage(RegionImage i) => i.Name == name && i.Tag(PayloadTags.Sha256) == sha;

        var owned = await client.FindOwnedAsync(name, cancellation);
        var same = owned.Where(IsThisImage).ToList();
        if (same.FirstOrDefault(i => i.State == ImageStates.Ready) is { } ready)
        {
            log.Information($"{image.Name}: nothing to do: {name} with this content (sha256 {sha[..12]}…) is registered as {ready.Id}, {ready.State}");
            return ready;
        }

        if (same.FirstOrDefault(i => i.State is ImageStates.Pending or ImageStates.Creating) is { } importing)
        {
            log.Information($"{image.Name}: {name} with this content is already registered as {importing.Id}, {importing.State}: waiting for it");
            return await Watcher(client).WaitAsync(image.Name, name, importing.Id, payload.Spec.Uri, cancellation);
        }

        var stale = owned.Where(i => !same.Contains(i) || i.State == ImageStates.Failed).ToList();
        foreach (var old in stale)
        {
            var why = same.Contains(old)
                ? $"{name} with this content is registered as {old.Id} but its import failed"
                : $"an image named {name} with other content is already registered ({old.Id}, {old.State}, sha256 {old.Tag(PayloadTags.Sha256) ?? "not tagged"})";
            if (!options.Wait.Replace)
            {
                throw new RegisterException($"{image.Name}: {why}: run with --{Arg.Replace} to delete it and register this one, or choose a new --{Arg.ImageVersion}");
            }

            await client.DeleteImageAsync(old, cancellation);
            log.Information($"{image.Name}: {why}: deleted it (--{Arg.Replace})");
        }

        var send = payload with { Spec = payload.Spec with { Uri = SendUri(artifacts, payload, client) } };
        var created = await client.CreateImageAsync(name, PayloadJson.Serialize(send), IsThisImage, payload.Spec.Uri, cancellation);
        log.Information($"{image.Name}: registered {name} as {created.Id} ({created.State}); waiting for the region's import (every {options.Wait.PollInterval.TotalSeconds:0.#}s, at most {options.Wait.Timeout})");
        return await Watcher(client).WaitAsync(image.Name, name, created.Id, payload.Spec.Uri, cancellation);
    }

    Task IImageStep.RunAsync(ImageDefinition image, CancellationToken cancellation) => RunAsync(image, cancellation);

    public void Dispose() => _client?.Dispose();

    /// <summary>
    /// The payload with the tags Register finds it by: taken from upload.json when GeneratePayload did not set them,
    /// and checked against it when it did (a payload of other bytes than the uploaded ones is an error).
    /// </summary>
    private static ImagePayload Tagged(RegisterArtifacts artifacts, bool dryRun)
    {
        var payload = artifacts.Payload;
        var tags = (payload.Metadata.Tags ?? []).ToList();
        string? Tag(string tagName) => tags.FirstOrDefault(t => t.Name == tagName)?.Value;
        if (artifacts.Uploaded is { } uploaded)
        {
            if (Tag(PayloadTags.Sha256) is { } tagged && !string.Equals(tagged, uploaded.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new RegisterException(
                    $"{payload.Metadata.Name}: payload.json is for sha256 {tagged} but Upload published sha256 {uploaded.Sha256}: run GeneratePayload again");
            }

            AddMissing(tags, PayloadTags.Sha256, uploaded.Sha256.ToLowerInvariant());
            AddMissing(tags, PayloadTags.Object, $"s3://{uploaded.Bucket}/{uploaded.Key}");
        }

        // A dry run may come before any upload: it shows the payload as it is.
        if (Tag(PayloadTags.Sha256) is null && !dryRun)
        {
            throw new RegisterException(
                $"{payload.Metadata.Name}: payload.json has no {PayloadTags.Sha256} tag and there is no upload.json to take it from: run Upload first");
        }

        return payload with { Metadata = payload.Metadata with { Tags = tags } };
    }

    private static void AddMissing(List<PayloadTag> tags, string name, string value)
    {
        if (tags.All(t => t.Name != name))
        {
            tags.Add(new PayloadTag(name, value));
        }
    }

    /// <summary>The URL the region fetches: the plain object URL, or (presigned mode) a fresh signed one, kept secret.</summary>
    private Uri SendUri(RegisterArtifacts artifacts, ImagePayload payload, RegionClient client)
    {
        if (options.UrlMode != ObjectUrlMode.Presigned)
        {
            return payload.Spec.Uri;
        }

        if (signer is null || options.S3 is null)
        {
            throw new RegisterException($"--{Arg.S3UrlMode}=presigned needs the S3 presign service, which this build has not got: use --{Arg.S3UrlMode}=public");
        }

        var key = artifacts.Uploaded?.Key ?? throw new RegisterException($"{payload.Metadata.Name}: upload.json is missing: run Upload first");
        var signed = signer.Sign(new ObjectLocation(options.S3, key), options.PresignExpiry);
        client.AddSecret(signed.Query.TrimStart('?'));
        return signed;
    }

    private RegionClient Client() =>
        _client ??= new RegionClient(options.Region, options.Credentials ?? throw new InvalidOperationException("no region token outside a dry run"), log, options.Http);

    private ImportWatcher Watcher(RegionClient client) => new(client, options.Wait, log);
}
