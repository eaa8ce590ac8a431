using System.Net;
using System.Text.Json;
using GpuImageBuilder.RegionContract;
using GpuImageBuilder.RegionEmulator.Import;

namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>The background import: pending, creating, then ready with the size in GiB, or failed.</summary>
[TestFixture]
[Category("Emulator")]
public sealed class EmulatorImportTests : EmulatorFixture
{
    private const long MiB = 1 << 20;
    private const long GiB = 1 << 30;


    [Test]
    public async Task An_image_goes_pending_creating_ready_and_every_answer_matches_the_spec()
    {
        // Phases long enough for a poll every 20 ms to see each one on a busy machine.
        await using var session = await EmulatorSession.StartAsync(o => o with
        {
            Timing = new ImportTiming(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)),
        });
        var url = session.Objects.Add("progress.raw", 5 * MiB, dataBytes: 5 * MiB);
        using var response = await session.CreateAsync(ImagePayloads.Gpu("progress", url));
        var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var schemas = ContractSchemas.Load();
        Assert.That(ContractSchemas.Failures(schemas.Component("image"), created), Is.Empty);
        Assert.That(created.GetProperty("status").GetProperty("state").GetString(), Is.EqualTo("pending"));

        var (image, seen) = await session.WaitForFinalStateAsync(created.GetProperty("metadata").GetProperty("id").GetString()!);
        Assert.That(seen, Is.EqualTo(new[] { "pending", "creating", "ready" }));
        Assert.That(image.GetProperty("spec").GetProperty("sizeGiB").GetInt64(), Is.EqualTo(1));
        Assert.That(image.GetProperty("spec").GetProperty("gpu").GetProperty("models").EnumerateArray().Select(m => m.GetString()),
            Is.EqualTo(new[] { "H100", "H200" }));
        var list = JsonSerializer.SerializeToElement(await session.ListAsync("organizationID=org-a"));
        Assert.That(ContractSchemas.Failures(schemas.Component("images"), list), Is.Empty);
    }

    [Test]
    public async Task The_import_downloads_the_whole_object_once_after_one_range_probe()
    {
        await using var session = await EmulatorSession.StartAsync();
        var url = session.Objects.Add("whole.raw", 3 * MiB + 1);
        var id = await session.CreatedIdAsync(ImagePayloads.Gpu("whole", url));
        var (image, _) = await session.WaitForFinalStateAsync(id);
        Assert.That(image.GetProperty("status").GetProperty("state").GetString(), Is.EqualTo("ready"));
        Assert.That(session.Objects.Ranges, Is.EqualTo(new[] { "bytes=0-511", "" }), "one range probe, then one whole GET");
    }

    // Downloading GiBs in a test costs too much; the rounding is a pure function the import uses.
    [TestCase(0L, 0L)]
    [TestCase(1L, 1L)]
    [TestCase(5 * MiB, 1L)]
    [TestCase(GiB, 1L)]
    [TestCase(GiB + 1, 2L)]
    [TestCase(8 * GiB, 8L)]
    public void SizeGiB_is_the_size_rounded_up_to_a_whole_GiB(long bytes, long sizeGiB) =>
        Assert.That(ImageImporter.RoundUpToGiB(bytes), Is.EqualTo(sizeGiB));

    [Test]
    public async Task The_hidden_v1_list_shows_an_image_only_once_it_is_ready()
    {
        var url = Session.Objects.Add("v1-ready.raw", 2 * MiB);
        var id = await Session.CreatedIdAsync(ImagePayloads.Gpu("v1-ready", url));
        Assert.That(await V1IdsAsync(), Does.Not.Contain(id));
        await Session.WaitForFinalStateAsync(id);
        Assert.That(await V1IdsAsync(), Does.Contain(id));
    }

    [Test]
    public async Task An_object_that_vanishes_before_the_download_leaves_the_image_failed()
    {
        var url = Session.Objects.Add("vanishing.raw", 2 * MiB);
        var id = await Session.CreatedIdAsync(ImagePayloads.Gpu("vanishing", url));
        Session.Objects.Vanish("vanishing.raw");
        var (image, _) = await Session.WaitForFinalStateAsync(id);
        Assert.That(image.GetProperty("status").GetProperty("state").GetString(), Is.EqualTo("failed"));
        Assert.That(Session.Host.Images.Get(Guid.Parse(id))!.FailureReason, Does.Contain("404"));
    }

    [Test]
    public async Task An_object_cut_off_mid_download_leaves_the_image_failed()
    {
        var url = Session.Objects.Add("cut.raw", 8 * MiB, dataBytes: 8 * MiB);
        var id = await Session.CreatedIdAsync(ImagePayloads.Gpu("cut", url));
        Session.Objects.Cut("cut.raw");
        var (image, _) = await Session.WaitForFinalStateAsync(id);
        Assert.That(image.GetProperty("status").GetProperty("state").GetString(), Is.EqualTo("failed"));
    }

    private async Task<List<string?>> V1IdsAsync()
    {
        using var response = await Session.SendAsync(HttpMethod.Get, EmulatorSession.ImagesPath("org-a"), EmulatorSession.Full);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray()
            .Select(i => i.GetProperty("metadata").GetProperty("id").GetString()).ToList();
    }
}
