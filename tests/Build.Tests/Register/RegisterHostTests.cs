using System.Net;
using System.Net.Sockets;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Register;

/// <summary>Register and ApiCheck through the real host (a separate process), against the emulator on 127.0.0.1.</summary>
[TestFixture]
[Category("Region")]
public sealed class RegisterHostTests : RegionTestBed
{
    private string[] Arguments(string target, Uri regionUrl, bool token = true) =>
    [
        $"--target={target}", "--exclusive", "--image=gpu-ready",
        $"--{Arg.RegionUrl}={regionUrl}", $"--{Arg.OrganizationId}={Org}", $"--{Arg.RegionId}={RegionId}",
        .. token ? new[] { $"--{Arg.Token}={Full}" } : [],
        $"--{Arg.S3Endpoint}=http://127.0.0.1:9", $"--{Arg.S3Bucket}=gpu-images",
        $"--{Arg.PollInterval}=1s",
    ];

    private void WriteArtifacts(HostRunner host, string name) =>
        RegionTestBed.WriteArtifacts(host.PathOf("output"), Payload(name, Raw(name)), Sha('d'));

    [Test]
    public void Register_reaches_ready_and_no_token_appears_at_diagnostic_verbosity()
    {
        using var host = new HostRunner();
        var name = UniqueName("gpu-ready");
        WriteArtifacts(host, name);

        var result = host.Run([.. Arguments("Register", Session.Host.BaseUrl), "--verbosity=diagnostic"]);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Output, Does.Contain($"{name} is ready in the region"));
        Assert.That(result.Output, Does.Not.Contain(Full));
        Assert.That(ImagesNamed(name), Has.Count.EqualTo(1));
    }

    [Test]
    public void Dry_run_prints_the_requests_sends_none_and_needs_no_token()
    {
        using var host = new HostRunner();
        var name = UniqueName("gpu-ready");
        WriteArtifacts(host, name);
        var since = JournalCount;

        var result = host.Run([.. Arguments("Register", Session.Host.BaseUrl, token: false), "--dry-run"]);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(RequestsSince(since), Is.Empty);
        Assert.That(result.Output, Does.Contain("Authorization: Bearer [REDACTED]"));
        Assert.That(result.Output, Does.Contain($"POST {Session.Host.BaseUrl}api/v1/organizations/{Org}/regions/{RegionId}/images"));
        Assert.That(result.Output, Does.Contain($"\"name\": \"{name}\""));
    }

    [Test]
    public void Help_says_how_dry_run_differs_from_cakes_dryrun()
    {
        using var host = new HostRunner();
        var result = host.Run("--help");
        Assert.That(result.StdOut, Does.Contain("--dry-run (this project's) is not Cake's --dryrun: --dryrun prints only the plan"));
    }

    [Test]
    public void A_dry_run_before_any_upload_prints_the_payload_as_it_is()
    {
        using var host = new HostRunner();
        var name = UniqueName("gpu-ready");
        RegionTestBed.WriteArtifacts(host.PathOf("output"), Payload(name, Raw(name)), Sha('d'), withUpload: false);

        var result = host.Run([.. Arguments("Register", Session.Host.BaseUrl, token: false), "--dry-run"]);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Output, Does.Contain($"\"name\": \"{name}\""));
    }

    [Test]
    public void A_region_that_never_answers_is_a_timeout_exit_1_not_an_interrupt()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/");
        using var host = new HostRunner();
        WriteArtifacts(host, UniqueName("gpu-ready"));

        var result = host.Run([.. Arguments("Register", url), $"--{Arg.RegisterTimeout}=2s"]);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Output, Does.Contain($"timeout: the region at {url.Authority} did not answer"));
        Assert.That(result.Output, Does.Not.Contain("Interrupted"));
    }

    [Test]
    public void ApiCheck_prints_the_global_and_owned_images_as_a_table()
    {
        using var host = new HostRunner();
        var name = UniqueName("api-check");
        var body = System.Text.Json.Nodes.JsonNode.Parse(GpuImageBuilder.Build.Services.Region.RegionJson.Write(Payload(name, Raw(name))))!;
        using var created = Session.SendAsync(HttpMethod.Post, $"api/v1/organizations/{Org}/regions/{RegionId}/images", Full, body).GetAwaiter().GetResult();
        var id = System.Text.Json.JsonDocument.Parse(created.Content.ReadAsStringAsync().GetAwaiter().GetResult()).RootElement.GetProperty("metadata").GetProperty("id").GetString();

        var result = host.Run([.. Arguments("ApiCheck", Session.Host.BaseUrl)]);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var lines = result.Output.Split('\n');
        Assert.That(lines, Has.Some.Match(@"^\s*SCOPE\s+NAME\s+ID\s+STATE\s+OS\s+KUBERNETES\s+GPU VENDOR\s+DRIVER\s+MODELS\s*$"));
        Assert.That(lines, Has.Some.Match($@"^\s*global\s+{Emulator.EmulatorSession.GlobalImage}\s"));
        Assert.That(lines, Has.Some.Match($@"^\s*owned\s+{name}\s+{id}\s+\w+\s+ubuntu 24.04 server\s+v1.31.4\s+NVIDIA\s+570.133.20\s+H100,H200\s*$"));
        Assert.That(result.Output, Does.Not.Contain(Full));
    }

    [Test]
    public void ApiCheck_with_a_token_the_region_rejects_fails_with_the_reason()
    {
        using var host = new HostRunner();
        var result = host.Run([.. Arguments("ApiCheck", Session.Host.BaseUrl).Where(a => !a.StartsWith("--token", StringComparison.Ordinal)), "--token=unknown-token-Pq3"]);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Output, Does.Contain("the region rejected the token (401"));
    }
}
