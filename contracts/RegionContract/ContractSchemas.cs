using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace GpuImageBuilder.RegionContract;

/// <summary>
/// The JSON Schemas of the region's contract, read from the project's copy of the spec (embedded at build time):
/// the bundled public OpenAPI document (self-contained, unlike server.spec.yaml whose $refs point at other
/// repositories) and the schema the service applies to stored Glance image properties.
/// </summary>
public sealed class ContractSchemas
{
    private const string OpenApiResource = "region.openapi.yaml";
    private const string StoredImageResource = "v2.image.schema.json";

    private readonly JsonNode _definitions;
    private readonly Dictionary<string, JsonSchema> _built = [];
    private readonly Lock _gate = new();

    private ContractSchemas(JsonNode definitions, JsonSchema storedImageProperties)
    {
        _definitions = definitions;
        StoredImageProperties = storedImageProperties;
    }

    /// <summary>What the service requires of an image's properties before it lists the image at all.</summary>
    public JsonSchema StoredImageProperties { get; }

    public static ContractSchemas Load()
    {
        var definitions = ReadOpenApiSchemas(ReadResource(OpenApiResource));
        using var reader = new StreamReader(ReadResource(StoredImageResource));
        var stored = JsonSchema.FromText(reader.ReadToEnd(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        return new ContractSchemas(definitions, stored);
    }

    /// <summary>A named schema of the spec's components (e.g. "imageCreate"), its $refs resolved within the spec.</summary>
    public JsonSchema Component(string name)
    {
        lock (_gate)
        {
            if (!_built.TryGetValue(name, out var schema))
            {
                if (_definitions[name] is null)
                {
                    throw new ArgumentException($"The region spec has no schema named '{name}'.", nameof(name));
                }

                var document = new JsonObject
                {
                    ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                    ["$ref"] = "#/$defs/" + name,
                    ["$defs"] = _definitions.DeepClone(),
                };
                // Each schema gets a registry of its own: the spec's $defs would clash in the global one.
                schema = JsonSchema.FromText(document.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() },
                    new Uri($"urn:region-spec:{name}"));
                _built[name] = schema;
            }

            return schema;
        }
    }

    /// <summary>The failures of an instance against a schema as "location: message" lines; empty when valid.</summary>
    public static IReadOnlyList<string> Failures(JsonSchema schema, JsonElement instance)
    {
        var results = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        return (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{Where(d.InstanceLocation.ToString())}: {e.Value}"))
            .Distinct()
            .ToList();
    }

    private static string Where(string pointer) => pointer.Length == 0 ? "body" : pointer;

    /// <summary>
    /// OpenAPI 3.0 schemas are not quite JSON Schema; written out as OpenAPI 3.1 they are (2020-12), with
    /// their $refs at #/components/schemas/, which become #/$defs/ of a standalone schema.
    /// </summary>
    private static JsonNode ReadOpenApiSchemas(Stream yaml)
    {
        var settings = new OpenApiReaderSettings();
        settings.AddYamlReader();
        using var buffer = new MemoryStream();
        yaml.CopyTo(buffer);
        buffer.Position = 0;
        var result = OpenApiDocument.Load(buffer, "yaml", settings);
        var document = result.Document ?? throw new InvalidOperationException(
            "The embedded region spec did not parse: " + string.Join("; ", result.Diagnostic?.Errors.Select(e => e.Message) ?? []));

        using var text = new StringWriter();
        document.SerializeAsV31(new OpenApiJsonWriter(text));
        var json = text.ToString().Replace("\"#/components/schemas/", "\"#/$defs/", StringComparison.Ordinal);
        return JsonNode.Parse(json)?["components"]?["schemas"]
            ?? throw new InvalidOperationException("The embedded region spec has no components.schemas.");
    }

    private static Stream ReadResource(string name) =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"The region contract library was built without its resource '{name}'.");
}
