using Newtonsoft.Json;

namespace GpuImageBuilder.Build.Services.GpuValidation;

/// <summary>
/// tests/gpu/images/images.lock.json: where PublishValidationImages pushed each validation image and its manifest
/// digest. Everything that runs these images (VerifyInstance, the workload manifest) refers to them only through
/// this record, by digest, never by tag. Read and written by <see cref="ValidationImageFiles"/>.
/// </summary>
public sealed record ValidationImageLock(int SchemaVersion, string Registry, IReadOnlyList<LockedImage> Images)
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>The image called <paramref name="name"/>, or an error naming the lock file's fix.</summary>
    public LockedImage Get(string name) =>
        Images.FirstOrDefault(i => i.Name == name)
        ?? throw new InvalidOperationException($"images.lock.json has no image '{name}': run --target=PublishValidationImages to write it");
}

/// <summary>
/// One pushed image. <see cref="Repository"/> is registry/path without tag or digest (e.g.
/// 127.0.0.1:5000/gpu-image-builder/smoke-pass); <see cref="Digest"/> is the manifest digest ("sha256:" + 64 hex)
/// the registry answered the push with. <see cref="Inputs"/> names the pinned inputs the image was built from
/// (base images by digest, package versions, source hashes) so a digest change can be traced to its cause.
/// </summary>
public sealed record LockedImage(string Name, string Repository, string Digest, IReadOnlyDictionary<string, string> Inputs)
{
    /// <summary>The by-digest reference to pull and run (derived: not written to the file).</summary>
    [JsonIgnore]
    public string Reference => Repository + "@" + Digest;
}
