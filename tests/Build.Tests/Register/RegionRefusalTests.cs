using System.Net;
using System.Net.Sockets;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Services.Region;
using GpuImageBuilder.Build.Services.Register;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Register;

/// <summary>Each refusal of the region is one line that says what to fix, sent once (no retry of a 4xx).</summary>
[TestFixture]
[Category("Region")]
public sealed class RegionRefusalTests : RegionTestBed
{
    private TempDir _output = null!;

    [SetUp]
    public void NewOutput() => _output = new TempDir("gib-refusal");

    [TearDown]
    public void RemoveOutput() => _output.Dispose();

    private async Task<(RegionException Error, IReadOnlyList<GpuImageBuilder.RegionEmulator.Hosting.JournalEntry> Requests, ListLog Log)> RefusedAsync(
        RegisterOptions options, Uri? uri = null, params string[] models)
    {
        var name = UniqueName("gpu-ready");
        var log = new ListLog();
        var step = new RegisterStep(options, WriteArtifacts(_output.Path, Payload(name, uri ?? Raw(name), models), Sha('a')), RegionTestBed.Validator, log);
        var since = JournalCount;
        var error = await Assert.ThrowsAsync<RegionException>(() => step.RunAsync(GpuReady, CancellationToken.None));
        Assert.That(error!.Message.Split('\n'), Has.Length.EqualTo(1), "one line");
        Assert.That(error.Message, Does.Not.Contain(Full).And.Not.Contain(Reader));
        return (error, RequestsSince(since), log);
    }

    [Test]
    public async Task A_payload_the_contract_refuses_is_stopped_before_any_request()
    {
        var name = UniqueName("gpu-ready");
        var step = new RegisterStep(Options(), WriteArtifacts(_output.Path, Payload(name, Raw(name), "H100 SXM"), Sha('a')), Validator, new ListLog());
        var since = JournalCount;
        var error = await Assert.ThrowsAsync<RegisterException>(() => step.RunAsync(GpuReady, CancellationToken.None));
        Assert.That(error!.Message, Does.Contain("breaks the region's contract").And.Contains("/spec/gpu/models").And.Contains("GeneratePayload"));
        Assert.That(RequestsSince(since), Is.Empty, "nothing sent");
    }

    [Test]
    public async Task A_body_the_region_finds_invalid_is_400_naming_what_it_said()
    {
        // A body past the local contract check (one edited on its way, or a rule the build does not know yet): the
        // region's 400 is one line with what it said, sent once.
        var name = UniqueName("gpu-ready");
        using var client = new RegionClient(Region(), new GpuImageBuilder.Build.Parameters.RegionCredentials(Full), new ListLog(), FastHttp);
        var body = PayloadJson.Serialize(Payload(name, Raw(name), "H100 SXM"));
        var since = JournalCount;
        var error = await Assert.ThrowsAsync<RegionException>(() => client.CreateImageAsync(name, body, _ => false, Raw(name), CancellationToken.None));
        Assert.That(error!.Status, Is.EqualTo(400));
        Assert.That(error.Message.Split('\n'), Has.Length.EqualTo(1), "one line");
        Assert.That(error.Message, Does.StartWith("the region refused to create image").And.Contains("400 invalid_request").And.Contains("models"));
        Assert.That(Count(RequestsSince(since), "POST"), Is.EqualTo(1));
    }

    [Test]
    public async Task An_unknown_token_is_401_naming_the_token_variable()
    {
        var (error, requests, _) = await RefusedAsync(Options(token: "not-a-known-token-Zx81"));
        Assert.That(error.Message, Does.StartWith("the region rejected the token (401 access_denied").And.Contains("NSCALE_API_TOKEN"));
        Assert.That(error.Message, Does.Not.Contain("not-a-known-token-Zx81"));
        Assert.That(requests.Select(r => r.Status), Is.EqualTo(new[] { 401 }), "sent once");
    }

    [Test]
    public async Task A_token_that_lists_but_may_not_create_is_403_on_the_post()
    {
        var (error, requests, _) = await RefusedAsync(Options(token: Reader));
        Assert.That(error.Message, Does.StartWith($"the token may not create images in organization {Org} (403 forbidden").And.Contains("lacks image permissions"));
        Assert.That(requests.Select(r => (r.Method, r.Status)), Is.EqualTo(new[] { ("GET", 200), ("POST", 403) }));
    }

    [Test]
    public async Task An_unknown_region_is_404_naming_both_ids()
    {
        var wrong = Guid.Parse("00000000-1111-4222-8333-444444444444");
        var (error, requests, _) = await RefusedAsync(Options(region: wrong));
        Assert.That(error.Message, Does.StartWith($"organization {Org} or region {wrong} not found (404").And.Contains("--region-id (NSCALE_REGION_ID)"));
        Assert.That(requests.Select(r => r.Status), Is.EqualTo(new[] { 404 }));
    }

    [Test]
    public async Task An_object_without_a_boot_sector_is_422_pointing_at_the_url_mode()
    {
        var name = UniqueName("no-boot");
        var uri = Raw(name, bootSignature: false);
        var (error, requests, _) = await RefusedAsync(Options(), uri);
        Assert.That(error.Message, Does.Contain("55 AA").And.Contains(uri.AbsoluteUri).And.Contains("--s3-url-mode").And.Contains("422 unprocessable_content"));
        Assert.That(Count(requests, "POST"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_region_that_never_answers_is_a_timeout_naming_its_host_not_an_interrupt()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/");
        var options = new RegionClientOptions(TimeSpan.FromMilliseconds(300), 2, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5));
        using var client = new RegionClient(new(url, Org, RegionId), new(Full), new ListLog(), options);

        var error = await Assert.ThrowsAsync<RegionException>(() => client.ListImagesAsync(ImageScope.Owned, CancellationToken.None));

        Assert.That(error, Is.Not.InstanceOf<OperationCanceledException>());
        Assert.That(error!.Message, Does.StartWith($"timeout: the region at {url.Authority} did not answer").And.Contains("--region-url"));
    }

    [Test]
    public void A_real_cancellation_stays_a_cancellation()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/");
        using var client = new RegionClient(new(url, Org, RegionId), new(Full), new ListLog(), FastHttp);
        using var signal = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.That(() => client.ListImagesAsync(ImageScope.Owned, signal.Token), Throws.InstanceOf<OperationCanceledException>());
    }
}
