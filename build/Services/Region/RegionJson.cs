using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace GpuImageBuilder.Build.Services.Region;

/// <summary>
/// The region's wire format: camelCase, nulls left out, dictionary keys as they are (softwareVersions' keys are
/// data). Newtonsoft, because the build's other records (manifest, payload) already use it: one serialiser, one set of
/// conventions, and records with constructors read without attributes.
/// </summary>
public static class RegionJson
{
    public static readonly JsonSerializerSettings Settings = new()
    {
        ContractResolver = new DefaultContractResolver { NamingStrategy = new CamelCaseNamingStrategy { ProcessDictionaryKeys = false } },
        NullValueHandling = NullValueHandling.Ignore,
        DateParseHandling = DateParseHandling.DateTimeOffset,
        MissingMemberHandling = MissingMemberHandling.Ignore,
    };

    public static string Write<T>(T value, bool indented = false) =>
        JsonConvert.SerializeObject(value, indented ? Formatting.Indented : Formatting.None, Settings);

    public static T Read<T>(string json) =>
        JsonConvert.DeserializeObject<T>(json, Settings) ?? throw new JsonException("the region answered an empty body");

    /// <summary>The error body of a refused request, or null when the body is not one.</summary>
    public static RegionErrorBody? ReadError(string json)
    {
        try
        {
            return JsonConvert.DeserializeObject<RegionErrorBody>(json, Settings);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
