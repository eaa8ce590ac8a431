using System.Net;
using System.Text.Json;
using GpuImageBuilder.RegionContract;

namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>Bearer tokens (401), organization permissions (403), regions (404), and the spec's error body.</summary>
[TestFixture]
[Category("Emulator")]
public sealed class EmulatorAccessTests : EmulatorFixture
{
    [TestCase(null)]
    [TestCase("not-a-token")]
    public async Task Create_without_a_known_token_is_401_access_denied_in_the_specs_error_shape(string? token)
    {
        using var response = await Session.CreateAsync(ImagePayloads.Gpu("no-token", Raw), token!);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.That(ContractSchemas.Failures(ContractSchemas.Load().Component("error"), body), Is.Empty);
        Assert.That(body.GetProperty("error").GetString(), Is.EqualTo("access_denied"));
    }

    [Test]
    public async Task The_v2_list_without_a_token_is_401()
    {
        using var response = await Session.SendAsync(HttpMethod.Get, $"api/v2/regions/{EmulatorSession.Region}/images", token: null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task A_token_without_the_organization_is_403_forbidden_and_nothing_is_created()
    {
        using var response = await Session.CreateAsync(ImagePayloads.Gpu("other-org", Raw), EmulatorSession.OrgAOnly, org: "org-b");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await ErrorOf(response), Is.EqualTo("forbidden"));
        Assert.That(Session.Host.Images.All().Where(i => i.Name == "other-org"), Is.Empty);
    }

    [Test]
    public async Task A_token_that_can_list_in_v2_cannot_create_in_v1()
    {
        var listed = await Session.ListAsync("organizationID=org-a&scope=available", EmulatorSession.Reader);
        Assert.That(EmulatorSession.Names(listed), Does.Contain(EmulatorSession.GlobalImage));

        using var response = await Session.CreateAsync(ImagePayloads.Gpu("reader-create", Raw), EmulatorSession.Reader);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("create"));
    }

    [Test]
    public async Task The_hidden_v1_list_needs_read_permission_in_the_organization()
    {
        using var allowed = await Session.SendAsync(HttpMethod.Get, EmulatorSession.ImagesPath("org-a"), EmulatorSession.Reader);
        using var refused = await Session.SendAsync(HttpMethod.Get, EmulatorSession.ImagesPath("org-b"), EmulatorSession.Reader);
        Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task The_v2_list_drops_organizations_the_token_cannot_read_instead_of_refusing()
    {
        await Session.CreatedIdAsync(ImagePayloads.Gpu("org-b-image", Raw), EmulatorSession.Full, org: "org-b");
        var owned = await Session.ListAsync("organizationID=org-b&scope=owned", EmulatorSession.OrgAOnly);
        var available = await Session.ListAsync("organizationID=org-b", EmulatorSession.OrgAOnly);
        Assert.That(owned, Is.Empty);
        Assert.That(EmulatorSession.Names(available), Is.EqualTo(new[] { EmulatorSession.GlobalImage }));
    }

    [Test]
    public async Task An_unknown_region_is_404_not_found()
    {
        using var create = await Session.SendAsync(HttpMethod.Post, EmulatorSession.ImagesPath("org-a", "no-such-region"),
            EmulatorSession.Full, ImagePayloads.Gpu("no-region", Raw));
        using var list = await Session.SendAsync(HttpMethod.Get, "api/v2/regions/no-such-region/images", EmulatorSession.Full);
        Assert.That(create.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await ErrorOf(list), Is.EqualTo("not_found"));
    }

    [Test]
    public async Task The_request_log_has_method_path_and_status_but_never_the_token()
    {
        using var _ = await Session.CreateAsync(ImagePayloads.Gpu("logged", Raw), EmulatorSession.Reader);
        var log = Session.Log.ToString();
        Assert.That(log, Does.Contain($"POST /{EmulatorSession.ImagesPath("org-a")} 403"));
        Assert.That(log, Does.Not.Contain(EmulatorSession.Reader).And.Not.Contain(EmulatorSession.Full));
    }

    private static async Task<string?> ErrorOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
}
