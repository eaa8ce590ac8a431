using System.Net;
using System.Text.Json;

namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>The v2 list's organizationID, scope and status filters, with the service's semantics.</summary>
[TestFixture]
[Category("Emulator")]
public sealed class EmulatorQueryTests : EmulatorFixture
{
    private string _failedId = null!;

    // Runs after the base class has started the emulator.
    [OneTimeSetUp]
    public async Task CreateImagesInEachState()
    {
        var a = await Session.CreatedIdAsync(ImagePayloads.Gpu("a-image", Raw), org: "org-a");
        var b = await Session.CreatedIdAsync(ImagePayloads.Gpu("b-image", Raw), org: "org-b");
        var doomed = Session.Objects.Add("doomed.raw", 2 << 20);
        _failedId = await Session.CreatedIdAsync(ImagePayloads.Gpu("a-failed", doomed), org: "org-a");
        Session.Objects.Vanish("doomed.raw");
        await Session.WaitForFinalStateAsync(a, "org-a");
        await Session.WaitForFinalStateAsync(b, "org-b");
        await Session.WaitForFinalStateAsync(_failedId, "org-a");
    }

    [TestCase("organizationID=org-a&scope=owned", new[] { "a-failed", "a-image" })]
    [TestCase("organizationID=org-a&scope=available", new[] { "a-failed", "a-image", EmulatorSession.GlobalImage })]
    [TestCase("organizationID=org-a", new[] { "a-failed", "a-image", EmulatorSession.GlobalImage })]
    [TestCase("organizationID=org-a&organizationID=org-b&scope=owned", new[] { "a-failed", "a-image", "b-image" })]
    [TestCase("scope=owned", new[] { EmulatorSession.GlobalImage })]
    [TestCase("", new[] { EmulatorSession.GlobalImage })]
    [TestCase("organizationID=org-a&scope=owned&status=ready", new[] { "a-image" })]
    [TestCase("organizationID=org-a&status=failed&status=pending", new[] { "a-failed" })]
    public async Task The_list_filters_by_organization_scope_and_status_in_name_order(string query, string[] names)
    {
        Assert.That(EmulatorSession.Names(await Session.ListAsync(query)), Is.EqualTo(names));
    }

    [TestCase("scope=mine")]
    [TestCase("status=done")]
    public async Task A_value_outside_the_specs_enum_is_400(string query)
    {
        using var response = await Session.SendAsync(HttpMethod.Get, $"api/v2/regions/{EmulatorSession.Region}/images?{query}", EmulatorSession.Full);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.That(error.GetProperty("error").GetString(), Is.EqualTo("invalid_request"));
    }

    [Test]
    public async Task Two_images_may_share_a_name_as_in_the_service_so_clients_must_look_before_they_post()
    {
        await using var session = await EmulatorSession.StartAsync();
        var raw = session.Objects.Add("twice.raw", 2 << 20);
        var first = await session.CreatedIdAsync(ImagePayloads.Gpu("same-name", raw));
        var second = await session.CreatedIdAsync(ImagePayloads.Gpu("same-name", raw));
        Assert.That(second, Is.Not.EqualTo(first));
        Assert.That(EmulatorSession.Names(await session.ListAsync("organizationID=org-a&scope=owned")), Is.EqualTo(new[] { "same-name", "same-name" }));
    }
}
