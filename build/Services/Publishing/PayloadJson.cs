using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using GpuImageBuilder.Build.Services.Images;

namespace GpuImageBuilder.Build.Services.Publishing;

/// <summary>
/// <see cref="ImagePayload"/> as the JSON the region is sent and output/&lt;image&gt;/payload.json holds: camelCase,
/// nulls left out, properties in the records' order, indented, with a trailing newline, so the same payload is
/// always the same bytes (payloads/ compares them). System.Text.Json rather than the manifest's Newtonsoft: the
/// schema library evaluates System.Text.Json documents, so what is validated is exactly what is written.
/// </summary>
public static class PayloadJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        NewLine = "\n",
        // A file to read: '+' and quotes in descriptions stay as they are (it is never embedded in HTML).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        RespectNullableAnnotations = true,
    };

    public static string Serialize(ImagePayload payload) => JsonSerializer.Serialize(payload, Options) + "\n";

    /// <summary>The payload from JSON text; a body that is not a payload is a <see cref="PayloadException"/> naming <paramref name="source"/>.</summary>
    public static ImagePayload Deserialize(string json, string source = "payload")
    {
        try
        {
            var payload = JsonSerializer.Deserialize<ImagePayload>(json, Options);
            // Only what the records need to be whole; whether the region accepts it is PayloadValidator's to say.
            if (payload?.Metadata?.Name is null || payload.Spec?.Uri is null || payload.Spec.Os is null)
            {
                throw new PayloadException($"{source}: not a payload (no metadata.name, spec.uri or spec.os): run GeneratePayload again");
            }

            return payload;
        }
        catch (JsonException ex)
        {
            throw new PayloadException($"{source}: not a payload ({ex.Message}): run GeneratePayload again");
        }
    }

    /// <summary>output/&lt;image&gt;/payload.json as GeneratePayload wrote it.</summary>
    public static ImagePayload Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new PayloadException($"{path} does not exist: run GeneratePayload (--target=GeneratePayload) first");
        }

        return Deserialize(File.ReadAllText(path), path);
    }

    /// <summary>Writes the JSON text atomically (temp file, then rename): a failure leaves the old file as it was.</summary>
    public static void Write(string path, string json) => AtomicFile.WriteAllText(path, json);
}
