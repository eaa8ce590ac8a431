using System.Net;

namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>DELETE of an owned image: 202, 409 while in use, 404 for anything the organization does not own.</summary>
[TestFixture]
[Category("Emulator")]
public sealed class EmulatorDeleteTests : EmulatorFixture
{
    [Test]
    public async Task Deleting_an_owned_image_is_202_and_it_leaves_the_list()
    {
        var id = await Session.CreatedIdAsync(ImagePayloads.Gpu("to-delete", Raw));
        using var response = await DeleteAsync("org-a", id);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(EmulatorSession.Names(await Session.ListAsync("organizationID=org-a&scope=owned")), Does.Not.Contain("to-delete"));
    }

    [Test]
    public async Task Deleting_an_image_in_use_is_409_conflict_until_it_is_released()
    {
        var id = await Session.CreatedIdAsync(ImagePayloads.Gpu("in-use", Raw));
        using (var mark = await Session.SendAsync(HttpMethod.Put, $"_emulator/images/{id}/in-use", token: null))
        {
            Assert.That(mark.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        using (var refused = await DeleteAsync("org-a", id))
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        }

        using (var release = await Session.SendAsync(HttpMethod.Delete, $"_emulator/images/{id}/in-use", token: null))
        {
            Assert.That(release.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        using var accepted = await DeleteAsync("org-a", id);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task Another_organizations_image_a_global_one_or_an_unknown_id_is_404()
    {
        var id = await Session.CreatedIdAsync(ImagePayloads.Gpu("b-owned", Raw), org: "org-b");
        var global = Session.Host.Images.All().Single(i => i.Name == EmulatorSession.GlobalImage).Id.ToString();
        using var other = await DeleteAsync("org-a", id);
        using var globalImage = await DeleteAsync("org-a", global);
        using var unknown = await DeleteAsync("org-a", Guid.NewGuid().ToString());
        Assert.That(new[] { other.StatusCode, globalImage.StatusCode, unknown.StatusCode }, Is.All.EqualTo(HttpStatusCode.NotFound));
        Assert.That(Session.Host.Images.Get(Guid.Parse(id)), Is.Not.Null);
    }

    [Test]
    public async Task A_token_without_delete_permission_is_403()
    {
        var id = await Session.CreatedIdAsync(ImagePayloads.Gpu("reader-cannot-delete", Raw));
        using var response = await DeleteAsync("org-a", id, EmulatorSession.Reader);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    private Task<HttpResponseMessage> DeleteAsync(string org, string id, string token = EmulatorSession.Full) =>
        Session.SendAsync(HttpMethod.Delete, $"{EmulatorSession.ImagesPath(org)}/{id}", token);
}
