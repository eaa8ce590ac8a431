using System.Text.Json;
using System.Text.Json.Nodes;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Tests.Emulator;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Publishing;

/// <summary>
/// payloads/&lt;image&gt;.json are the reviewed examples: made by the build itself from the manifests in Data/ and
/// the fixed location of <see cref="PayloadFixtures"/>, so they cannot drift from what GeneratePayload writes.
/// UPDATE_PAYLOADS=1 rewrites them (then review the diff).
/// </summary>
[TestFixture]
[Category("Publishing")]
public sealed class PayloadExampleTests
{
    public const string UpdateVariable = "UPDATE_PAYLOADS";

    private static readonly string[] Images = ["gpu-ready", "nvidia-firmware1"];

    private static string ExampleFile(string image) => RepoPaths.InRepo("payloads", image + ".json");

    [Test]
    public void There_is_one_example_per_real_image_definition()
    {
        Assert.That(PayloadFixtures.RealImages().Names, Is.EquivalentTo(Images));
        Assert.That(Directory.GetFiles(RepoPaths.InRepo("payloads"), "*.json").Select(Path.GetFileNameWithoutExtension), Is.EquivalentTo(Images));
    }

    [TestCaseSource(nameof(Images))]
    public void The_example_is_what_the_build_makes_byte_for_byte(string image)
    {
        var expected = PayloadFixtures.ExampleJson(image);
        var file = ExampleFile(image);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            PayloadJson.Write(file, expected);
        }

        var actual = File.Exists(file) ? File.ReadAllText(file) : "(missing)";
        if (actual != expected)
        {
            var expectedLines = expected.Split('\n');
            var actualLines = actual.Split('\n');
            var first = Enumerable.Range(0, Math.Max(expectedLines.Length, actualLines.Length))
                .First(i => i >= expectedLines.Length || i >= actualLines.Length || expectedLines[i] != actualLines[i]);
            Assert.Fail($"payloads/{image}.json differs from what the build makes, first at line {first + 1}:\n" +
                $"  file:  {actualLines.ElementAtOrDefault(first)}\n  build: {expectedLines.ElementAtOrDefault(first)}\n" +
                $"If the change is intended, regenerate with {UpdateVariable}=1 dotnet test tests/Build.Tests --filter FullyQualifiedName~PayloadExampleTests and review the diff.");
        }
    }

    [TestCaseSource(nameof(Images))]
    public void The_example_passes_the_schema_and_the_service_rules(string image)
    {
        Assert.That(PayloadFixtures.Validator.Failures(File.ReadAllText(ExampleFile(image))), Is.Empty);
    }

    [TestCaseSource(nameof(Images))]
    public async Task The_emulator_accepts_the_example_and_lists_it_with_its_tags(string image)
    {
        await using var region = await EmulatorSession.StartAsync();
        var body = JsonNode.Parse(File.ReadAllText(ExampleFile(image)))!;
        // The example's s3.example.com does not exist: serve a raw-like object (boot sector ending 55 AA) here instead.
        body["spec"]!["uri"] = region.Objects.Add(image + ".raw", 1 << 20).ToString();

        var id = await region.CreatedIdAsync(body);
        var (listed, _) = await region.WaitForFinalStateAsync(id);

        Assert.That(listed.GetProperty("status").GetProperty("state").GetString(), Is.EqualTo("ready"));
        var tags = listed.GetProperty("metadata").GetProperty("tags").EnumerateArray()
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("value").GetString());
        var sent = PayloadJson.Deserialize(File.ReadAllText(ExampleFile(image))).Metadata.Tags!;
        Assert.That(tags[PayloadTags.Sha256], Is.EqualTo(PayloadTags.Find(sent, PayloadTags.Sha256)));
        Assert.That(tags[PayloadTags.Object], Is.EqualTo(PayloadTags.Find(sent, PayloadTags.Object)));
        var gpu = listed.GetProperty("spec").TryGetProperty("gpu", out var g) ? g : default;
        Assert.That(gpu.ValueKind == JsonValueKind.Object, Is.EqualTo(image != "gpu-ready"), "gpu only where there is a driver");
    }
}
