using GpuImageBuilder.Build.Services.Images;
using Newtonsoft.Json;
using Newtonsoft.Json.Converters;
using Newtonsoft.Json.Serialization;

namespace GpuImageBuilder.Build.Services.GpuValidation;

/// <summary>The one serialiser of <see cref="ValidationImageLock"/> and <see cref="WorkloadManifest"/>: camelCase, enums as lower-case strings, written atomically.</summary>
public static class ValidationImageFiles
{
    private static readonly JsonSerializerSettings Settings = new()
    {
        ContractResolver = new DefaultContractResolver { NamingStrategy = new CamelCaseNamingStrategy() },
        Converters = { new StringEnumConverter(new CamelCaseNamingStrategy()) },
        Formatting = Formatting.Indented,
        MissingMemberHandling = MissingMemberHandling.Ignore,
    };

    public static void WriteLock(string path, ValidationImageLock lockFile) => Write(path, lockFile);

    public static void WriteManifest(string path, WorkloadManifest manifest) => Write(path, manifest);

    public static void WriteBuilt(string path, BuiltValidationImages built) => Write(path, built);

    /// <summary>built.json, or an error saying to run BuildValidationImages.</summary>
    public static BuiltValidationImages ReadBuilt(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist: run --target=BuildValidationImages first");
        }

        var built = Read<BuiltValidationImages>(path);
        if (built.SchemaVersion != BuiltValidationImages.CurrentSchemaVersion)
        {
            throw new InvalidDataException($"{path}: schemaVersion {built.SchemaVersion}, this build reads {BuiltValidationImages.CurrentSchemaVersion}: rerun --target=BuildValidationImages");
        }

        return built;
    }

    /// <summary>The lock file, or an error naming the file and the fix (missing, unreadable, other schema).</summary>
    public static ValidationImageLock ReadLock(string path)
    {
        var lockFile = Read<ValidationImageLock>(path);
        if (lockFile.SchemaVersion != ValidationImageLock.CurrentSchemaVersion)
        {
            throw new InvalidDataException($"{path}: schemaVersion {lockFile.SchemaVersion}, this build reads {ValidationImageLock.CurrentSchemaVersion}: rerun --target=PublishValidationImages");
        }

        return lockFile;
    }

    public static WorkloadManifest ReadManifest(string path)
    {
        var manifest = Read<WorkloadManifest>(path);
        if (manifest.SchemaVersion != WorkloadManifest.CurrentSchemaVersion)
        {
            throw new InvalidDataException($"{path}: schemaVersion {manifest.SchemaVersion}, this build reads {WorkloadManifest.CurrentSchemaVersion}: rerun --target=PublishValidationImages");
        }

        return manifest;
    }

    private static void Write<T>(string path, T value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.WriteAllText(path, JsonConvert.SerializeObject(value, Settings) + "\n");
    }

    private static T Read<T>(string path)
        where T : class
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist: run --target=PublishValidationImages (it writes the lock file and the workload manifest)");
        }

        try
        {
            return JsonConvert.DeserializeObject<T>(File.ReadAllText(path), Settings)
                ?? throw new InvalidDataException($"{path} is empty: rerun --target=PublishValidationImages");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON ({e.Message}): rerun --target=PublishValidationImages");
        }
    }
}
