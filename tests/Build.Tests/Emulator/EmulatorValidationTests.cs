using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>
/// Bodies the region refuses: against the spec's imageCreate schema (name pattern, semver versions, gpu needs a
/// driver) and against the rules of the stored image (model names, at least one model), all 400 invalid_request.
/// </summary>
[TestFixture]
[Category("Emulator")]
public sealed class EmulatorValidationTests : EmulatorFixture
{
    private static IEnumerable<TestCaseData> BadBodies()
    {
        yield return Case("name starting with a dash", b => b["metadata"]!["name"] = "-ubuntu", "/metadata/name");
        yield return Case("name of 64 characters", b => b["metadata"]!["name"] = new string('a', 64), "/metadata/name");
        yield return Case("name with a slash", b => b["metadata"]!["name"] = "ubuntu/24.04", "/metadata/name");
        yield return Case("kubernetes version without v", b => b["spec"]!["softwareVersions"]!["kubernetes"] = "1.31.4", "/spec/softwareVersions/kubernetes");
        yield return Case("kubernetes version with a suffix", b => b["spec"]!["softwareVersions"]!["kubernetes"] = "v1.31.4-rc.1", "/spec/softwareVersions/kubernetes");
        yield return Case("gpu without driver", b => b["spec"]!["gpu"]!.AsObject().Remove("driver"), "driver");
        yield return Case("gpu vendor not in the enum", b => b["spec"]!["gpu"]!["vendor"] = "nvidia", "/spec/gpu/vendor");
        yield return Case("model with a dash", b => b["spec"]!["gpu"]!["models"] = new JsonArray("H100", "RTX-6000"), "RTX-6000");
        yield return Case("model with a space", b => b["spec"]!["gpu"]!["models"] = new JsonArray("A 100"), "A 100");
        yield return Case("gpu without models", b => b["spec"]!["gpu"]!.AsObject().Remove("models"), "models");
        yield return Case("no uri", b => b["spec"]!.AsObject().Remove("uri"), "uri");
        yield return Case("architecture not in the enum", b => b["spec"]!["architecture"] = "amd64", "/spec/architecture");
    }

    private static TestCaseData Case(string what, Action<JsonNode> breakIt, string named) =>
        new TestCaseData(breakIt, named).SetArgDisplayNames(what);

    [TestCaseSource(nameof(BadBodies))]
    public async Task A_bad_body_is_400_invalid_request_naming_the_field_and_creates_nothing(Action<JsonNode> breakIt, string named)
    {
        var name = "bad-" + Guid.NewGuid().ToString("N")[..8];
        var body = ImagePayloads.Gpu(name, Raw);
        breakIt(body);
        using var response = await Session.CreateAsync(body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        var error = JsonDocument.Parse(text).RootElement;
        Assert.That(error.GetProperty("error").GetString(), Is.EqualTo("invalid_request"));
        Assert.That(error.GetProperty("error_description").GetString(), Does.Contain(named));
        Assert.That(Session.Host.Images.All().Select(i => i.Name), Does.Not.Contain(name).And.Not.Contain(body["metadata"]!["name"]!.GetValue<string>()));
    }

    [Test]
    public async Task A_body_that_is_not_json_is_400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Session.Url(EmulatorSession.ImagesPath("org-a")))
        {
            Content = new StringContent("{ not json", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", EmulatorSession.Full);
        using var client = new HttpClient();
        using var response = await client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task A_body_without_gpu_like_gpu_ready_is_accepted()
    {
        var id = await Session.CreatedIdAsync(ImagePayloads.WithoutGpu("gpu-ready-like", Raw));
        Assert.That(Session.Host.Images.Get(Guid.Parse(id))!.Spec.Gpu, Is.Null);
    }

    [Test]
    public async Task A_bad_body_from_a_caller_without_a_token_is_401_not_400()
    {
        var body = ImagePayloads.Gpu("-bad-and-anonymous", Raw);
        using var response = await Session.CreateAsync(body, token: null!);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
