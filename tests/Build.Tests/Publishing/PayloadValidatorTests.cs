using System.Text.Json.Nodes;
using GpuImageBuilder.Build.Services.Publishing;

namespace GpuImageBuilder.Build.Tests.Publishing;

/// <summary>
/// The validator reads the copied spec through the contract library: a break of the schema or of the service's
/// rules is one line with its JSON location, whatever field it is in (no field is checked by hand).
/// </summary>
[TestFixture]
[Category("Publishing")]
[Parallelizable(ParallelScope.All)]
public sealed class PayloadValidatorTests
{
    private static JsonObject Example() => JsonNode.Parse(PayloadFixtures.ExampleJson("nvidia-firmware1"))!.AsObject();

    private static IEnumerable<TestCaseData> Breaks()
    {
        TestCaseData Case(string name, Action<JsonObject> breakIt, string location, string inMessage) =>
            new TestCaseData(breakIt, location, inMessage).SetName(name);
        yield return Case("virtualization vm (enum)", b => b["spec"]!["virtualization"] = "vm", "/spec/virtualization", "enum");
        yield return Case("os without distro (required)", b => b["spec"]!["os"]!.AsObject().Remove("distro"), "/spec/os", "distro");
        yield return Case("kernel windows (enum)", b => b["spec"]!["os"]!["kernel"] = "windows", "/spec/os/kernel", "enum");
        yield return Case("architecture arm64 (enum)", b => b["spec"]!["architecture"] = "arm64", "/spec/architecture", "enum");
        yield return Case("name with a leading dash (name rule)", b => b["metadata"]!["name"] = "-nvidia", "/metadata/name", "");
        yield return Case("kubernetes 1.30.14 (no v)", b => b["spec"]!["softwareVersions"]!["kubernetes"] = "1.30.14", "/spec/softwareVersions/kubernetes", "");
        yield return Case("gpu without driver (required)", b => b["spec"]!["gpu"]!.AsObject().Remove("driver"), "/spec/gpu", "driver");
        yield return Case("model with a dash (server rule)", b => b["spec"]!["gpu"]!["models"] = new JsonArray("H100", "RTX-6000"), "/spec/gpu/models", "'RTX-6000' is not a model name");
        yield return Case("gpu with no models (server rule)", b => b["spec"]!["gpu"]!["models"] = new JsonArray(), "/spec/gpu/models", "GPU models must be defined");
    }

    [TestCaseSource(nameof(Breaks))]
    public void A_break_is_reported_with_its_JSON_location(Action<JsonObject> breakIt, string location, string inMessage)
    {
        var body = Example();
        Assert.That(PayloadFixtures.Validator.Failures(body.ToJsonString()), Is.Empty, "the example itself is valid");
        breakIt(body);
        var failures = PayloadFixtures.Validator.Failures(body.ToJsonString());
        Assert.That(failures, Has.Some.StartsWith(location + ": ").And.Some.Contains(inMessage), string.Join("\n", failures));
        Assert.That(failures, Has.All.Not.Contains("\n"), "one line each");
    }

    [Test]
    public void Validate_refuses_a_payload_with_every_failure_on_its_own_line()
    {
        var payload = PayloadJson.Deserialize(PayloadFixtures.ExampleJson("nvidia-firmware1"));
        var broken = payload with { Spec = payload.Spec with { Virtualization = "vm", Gpu = payload.Spec.Gpu! with { Models = ["A 100"] } } };
        var ex = Assert.Throws<PayloadException>(() => PayloadFixtures.Validator.Validate("nvidia-firmware1", broken));
        var lines = ex!.Message.Split('\n');
        Assert.That(lines[0], Is.EqualTo("nvidia-firmware1: the payload breaks the region's contract (contracts/region/, imageCreate):"));
        Assert.That(lines.Skip(1), Has.Some.StartsWith("  /spec/virtualization: "), ex.Message);
    }
}
