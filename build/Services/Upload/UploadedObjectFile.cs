using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Publishing;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>The one serialiser of <see cref="UploadedObject"/> (output/&lt;image&gt;/upload.json): camelCase, written atomically.</summary>
public static class UploadedObjectFile
{
    private static readonly JsonSerializerSettings Settings = new()
    {
        ContractResolver = new DefaultContractResolver { NamingStrategy = new CamelCaseNamingStrategy() },
        Formatting = Formatting.Indented,
        DateTimeZoneHandling = DateTimeZoneHandling.Utc,
    };

    public static void Write(string path, UploadedObject uploaded) =>
        AtomicFile.WriteAllText(path, JsonConvert.SerializeObject(uploaded, Settings) + "\n");

    /// <summary>The record, or null when there is none (or it cannot be read: then Upload has to run again).</summary>
    public static UploadedObject? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonConvert.DeserializeObject<UploadedObject>(File.ReadAllText(path), Settings);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
