namespace GpuImageBuilder.Build.Services.GpuValidation;

/// <summary>
/// What BuildValidationImages left in the local engine store (output/validation-images/built.json), for
/// PublishValidationImages to push. Read and written by <see cref="ValidationImageFiles"/>.
/// </summary>
public sealed record BuiltValidationImages(int SchemaVersion, string Engine, IReadOnlyList<BuiltImage> Images)
{
    public const int CurrentSchemaVersion = 1;
}

/// <summary>
/// One built image: its local <see cref="Tag"/>, its <see cref="ImageId"/> (the sha256 of its config: equal across
/// two builds of the same sources), the <see cref="Command"/> that runs its workload explicitly, and the pinned
/// <see cref="Inputs"/> it was built from (copied into the lock file).
/// </summary>
public sealed record BuiltImage(string Name, string Tag, string ImageId, IReadOnlyList<string> Command, IReadOnlyDictionary<string, string> Inputs);
