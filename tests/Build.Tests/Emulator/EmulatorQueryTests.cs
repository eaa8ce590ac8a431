using System.Net;
using System.Text.Json;

namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>The v2 list's organizationID, scope and status filters, with the service's semantics.</summary>
[TestFixture]
[Category("Emulator")]
public sealed class EmulatorQueryTests
{
    private EmulatorSession _session = null!;
    private string _failedId = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _session = await EmulatorSession.StartAsync();
        var raw = _session.Objects.Add("query.raw", 2 << 20);
        var a = await _session.CreatedIdAsync(ImagePayloads.Gpu("a-image", raw), org: "org-a");
        var b = await _session.CreatedIdAsync(ImagePayloads.Gpu("b-image", raw), org: "org-b");
        var doomed = _session.Objects.Add("doomed.raw", 2 << 20);
        _failedId = await _session.CreatedIdAsync(ImagePayloads.Gpu("a-failed", doomed), org: "org-a");
        _session.Objects.Vanish("doomed.raw");
        await _session.WaitForFinalStateAsync(a, "org-a");
        await _session.WaitForFinalStateAsync(b, "org-b");
        await _session.WaitForFinalStateAsync(_failedId, "org-a");
    }

    [OneTimeTearDown]
    public async Task Stop() => await _session.DisposeAsync();

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
        Assert.That(EmulatorSession.Names(await _session.ListAsync(query)), Is.EqualTo(names));
    }

    [TestCase("scope=mine")]
    [TestCase("status=done")]
    public async Task A_value_outside_the_specs_enum_is_400(string query)
    {
        using var response = await _session.SendAsync(HttpMethod.Get, $"api/v2/regions/{EmulatorSession.Region}/images?{query}", EmulatorSession.Full);
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
