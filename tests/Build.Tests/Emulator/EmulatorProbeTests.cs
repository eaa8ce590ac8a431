using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>The boot-sector check on spec.uri before anything is created: raw images only, by URL.</summary>
[TestFixture]
[Category("Emulator")]
public sealed class EmulatorProbeTests : EmulatorFixture
{
    [Test]
    public async Task An_object_without_55_AA_at_offset_510_is_422_and_creates_nothing()
    {
        var url = Session.Objects.Add("qcow-like.raw", 2 << 20, bootSignature: false);
        using var response = await Session.CreateAsync(ImagePayloads.Gpu("no-signature", url));
        await AssertUnprocessable(response, "master boot record");
        Assert.That(Session.Host.Images.All().Select(i => i.Name), Does.Not.Contain("no-signature"));
    }

    [Test]
    public async Task The_check_reads_only_bytes_0_to_511_by_range()
    {
        var url = Session.Objects.Add("probed.raw", 4 << 20);
        Session.Objects.Ranges.Clear();
        using var response = await Session.CreateAsync(ImagePayloads.Gpu("probed", url));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Session.Objects.Ranges.First(), Is.EqualTo("bytes=0-511"));
    }

    [Test]
    public async Task A_url_that_answers_404_is_422()
    {
        using var response = await Session.CreateAsync(ImagePayloads.Gpu("missing", Session.Objects.UrlOf("nothing-here.raw")));
        await AssertUnprocessable(response, "status code");
    }

    [Test]
    public async Task An_unreachable_url_is_422()
    {
        using var response = await Session.CreateAsync(ImagePayloads.Gpu("unreachable", new Uri($"http://127.0.0.1:{ClosedPort()}/x.raw")));
        await AssertUnprocessable(response, "ensure the URL is correct");
    }

    [Test]
    public async Task A_range_answer_shorter_than_a_sector_is_400_as_in_the_service()
    {
        var url = Session.Objects.Add("tiny.raw", 100, dataBytes: 100);
        using var response = await Session.CreateAsync(ImagePayloads.Gpu("tiny", url));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(text, Does.Contain("incorrect response size for range"));
    }

    private static async Task AssertUnprocessable(HttpResponseMessage response, string saying)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity), text);
        var error = JsonDocument.Parse(text).RootElement;
        Assert.That(error.GetProperty("error").GetString(), Is.EqualTo("unprocessable_content"));
        Assert.That(error.GetProperty("error_description").GetString(), Does.Contain(saying));
    }

    // A port nothing listens on: bound, read, released.
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
