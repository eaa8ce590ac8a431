using System.Diagnostics;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Services.Register;
using GpuImageBuilder.Build.Tests.Infrastructure;
using GpuImageBuilder.RegionEmulator.Faults;

namespace GpuImageBuilder.Build.Tests.Register;

/// <summary>RegisterStep against the region emulator: lookup, create, wait, replace, faults.</summary>
[TestFixture]
[Category("Region")]
public sealed class RegisterStepTests : RegionTestBed
{
    private TempDir _output = null!;

    [SetUp]
    public void NewOutput() => _output = new TempDir("gib-register");

    [TearDown]
    public void RemoveOutput() => _output.Dispose();

    private (RegisterStep Step, ListLog Log) Step(ImagePayload payload, string sha, RegisterOptions? options = null, IObjectUrlSigner? signer = null)
    {
        var log = new ListLog();
        return (new RegisterStep(options ?? Options(), WriteArtifacts(_output.Path, payload, sha), RegionTestBed.Validator, log, signer), log);
    }

    [Test]
    public async Task A_new_image_is_posted_once_and_waited_for_until_ready()
    {
        var name = UniqueName("gpu-ready");
        var (step, log) = Step(Payload(name, Raw(name)), Sha('a'));
        var since = JournalCount;

        var image = await step.RunAsync(GpuReady, CancellationToken.None);

        Assert.That(image!.State, Is.EqualTo("ready"), log.ToString());
        Assert.That(image.Tag(PayloadTags.Sha256), Is.EqualTo(Sha('a')));
        Assert.That(Count(RequestsSince(since), "POST"), Is.EqualTo(1));
        Assert.That(ImagesNamed(name), Has.Count.EqualTo(1));
        Assert.That(log.Lines, Has.Some.Contains($"{name} ({image.Id}) is pending"));
        Assert.That(log.Lines, Has.Some.Contains("is ready in the region"));
    }

    [Test]
    public async Task A_second_run_with_the_same_content_sends_no_post()
    {
        var name = UniqueName("gpu-ready");
        var payload = Payload(name, Raw(name));
        var first = await Step(payload, Sha('b')).Step.RunAsync(GpuReady, CancellationToken.None);
        var since = JournalCount;

        var (step, log) = Step(payload, Sha('b'));
        var second = await step.RunAsync(GpuReady, CancellationToken.None);

        Assert.That(second!.Id, Is.EqualTo(first!.Id));
        Assert.That(Count(RequestsSince(since), "POST"), Is.Zero);
        Assert.That(log.Lines, Has.Some.Contains($"nothing to do: {name}").And.Contains(first.Id).And.Contains("ready"));
    }

    [Test]
    public async Task A_run_while_the_same_image_imports_waits_for_it_instead_of_posting()
    {
        var name = UniqueName("gpu-ready");
        var payload = Payload(name, Raw(name));
        var body = System.Text.Json.Nodes.JsonNode.Parse(GpuImageBuilder.Build.Services.Region.RegionJson.Write(payload with
        {
            Metadata = payload.Metadata with { Tags = [new PayloadTag(PayloadTags.Sha256, Sha('c'))] },
        }))!;
        using (await Session.SendAsync(HttpMethod.Post, $"api/v1/organizations/{Org}/regions/{RegionId}/images", Full, body))
        {
        }

        var since = JournalCount;
        var (step, log) = Step(payload, Sha('c'));
        var image = await step.RunAsync(GpuReady, CancellationToken.None);

        Assert.That(image!.State, Is.EqualTo("ready"));
        Assert.That(Count(RequestsSince(since), "POST"), Is.Zero);
        Assert.That(log.Lines, Has.Some.Contains("already registered as").And.Contains("waiting for it"));
    }

    [Test]
    public async Task The_same_name_with_other_content_is_an_error_without_replace()
    {
        var name = UniqueName("gpu-ready");
        var first = await Step(Payload(name, Raw(name)), Sha('d')).Step.RunAsync(GpuReady, CancellationToken.None);
        var since = JournalCount;

        var (step, _) = Step(Payload(name, Raw(name)), Sha('e'));
        var error = await Assert.ThrowsAsync<RegisterException>(() => step.RunAsync(GpuReady, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain($"an image named {name} with other content is already registered ({first!.Id}").And.Contains("--replace"));
        Assert.That(Count(RequestsSince(since), "POST") + Count(RequestsSince(since), "DELETE"), Is.Zero);
    }

    [Test]
    public async Task Replace_deletes_the_old_image_and_registers_the_new_one()
    {
        var name = UniqueName("gpu-ready");
        var first = await Step(Payload(name, Raw(name)), Sha('f')).Step.RunAsync(GpuReady, CancellationToken.None);
        var since = JournalCount;

        var (step, log) = Step(Payload(name, Raw(name)), Sha('1'), Options(replace: true));
        var second = await step.RunAsync(GpuReady, CancellationToken.None);

        var requests = RequestsSince(since);
        Assert.That(requests.Where(e => e.Method == "DELETE").Select(e => (e.Path, e.Status)),
            Is.EqualTo(new[] { ($"/api/v1/organizations/{Org}/regions/{RegionId}/images/{first!.Id}", 202) }));
        Assert.That(Count(requests, "POST"), Is.EqualTo(1));
        Assert.That(ImagesNamed(name).Select(i => i.Id.ToString()), Is.EqualTo(new[] { second!.Id }));
        Assert.That(second.Tag(PayloadTags.Sha256), Is.EqualTo(Sha('1')));
        Assert.That(log.Lines, Has.Some.Contains("deleted it (--replace)"));
    }

    [Test]
    public async Task Replacing_an_image_in_use_says_servers_boot_from_it()
    {
        var name = UniqueName("gpu-ready");
        var first = await Step(Payload(name, Raw(name)), Sha('2')).Step.RunAsync(GpuReady, CancellationToken.None);
        using (await Session.SendAsync(HttpMethod.Put, $"_emulator/images/{first!.Id}/in-use", null))
        {
        }

        var since = JournalCount;
        var (step, _) = Step(Payload(name, Raw(name)), Sha('3'), Options(replace: true));
        var error = await Assert.ThrowsAsync<GpuImageBuilder.Build.Services.Region.RegionException>(() => step.RunAsync(GpuReady, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain("it is in use").And.Contains("servers boot from it").And.Contains("--image-version"));
        Assert.That(error.Message.Split('\n'), Has.Length.EqualTo(1));
        Assert.That(Count(RequestsSince(since), "DELETE"), Is.EqualTo(1), "a 409 is not retried");
        Assert.That(Count(RequestsSince(since), "POST"), Is.Zero);
    }

    [Test]
    public async Task Two_503s_then_success_make_exactly_one_image()
    {
        var name = UniqueName("gpu-ready");
        Session.Host.Faults.Arm(new Fault(FaultKind.Unavailable, 2, "POST"));
        var since = JournalCount;

        var (step, log) = Step(Payload(name, Raw(name)), Sha('4'));
        var image = await step.RunAsync(GpuReady, CancellationToken.None);

        var posts = RequestsSince(since).Where(e => e.Method == "POST").Select(e => e.Status);
        Assert.That(posts, Is.EqualTo(new[] { 503, 503, 200 }), log.ToString());
        Assert.That(ImagesNamed(name), Has.Count.EqualTo(1));
        Assert.That(image!.State, Is.EqualTo("ready"));
    }

    [Test]
    public async Task A_region_that_stays_unavailable_is_given_up_after_the_attempt_bound()
    {
        var name = UniqueName("gpu-ready");
        Session.Host.Faults.Arm(new Fault(FaultKind.Unavailable, 50, "POST"));
        var since = JournalCount;

        var (step, _) = Step(Payload(name, Raw(name)), Sha('4'));
        var error = await Assert.ThrowsAsync<GpuImageBuilder.Build.Services.Region.RegionException>(() => step.RunAsync(GpuReady, CancellationToken.None));

        Assert.That(error!.Message, Does.StartWith($"the region failed to create image {name} with an internal error (503 server_error").And.Contains("try again later"));
        Assert.That(Count(RequestsSince(since), "POST"), Is.EqualTo(FastHttp.MaxAttempts), "bounded");
        Assert.That(ImagesNamed(name), Is.Empty);
    }

    [Test]
    public async Task A_post_whose_answer_was_lost_after_the_create_is_not_sent_again()
    {
        var name = UniqueName("gpu-ready");
        Session.Host.Faults.Arm(new Fault(FaultKind.DropAfterCreate, 1));
        var since = JournalCount;

        var (step, log) = Step(Payload(name, Raw(name)), Sha('5'));
        var image = await step.RunAsync(GpuReady, CancellationToken.None);

        Assert.That(RequestsSince(since).Where(e => e.Method == "POST").Select(e => e.Status), Is.EqualTo(new[] { 0 }), "one POST, dropped");
        Assert.That(ImagesNamed(name).Select(i => i.Id.ToString()), Is.EqualTo(new[] { image!.Id }));
        Assert.That(log.Lines, Has.Some.Contains("the answer to the POST was lost").And.Contains("but the image was created"));
    }

    [Test]
    public async Task Throttling_waits_for_retry_after_before_the_next_request()
    {
        Session.Host.Faults.Arm(new Fault(FaultKind.Throttle, 1, "GET", RetryAfterSeconds: 1));
        var log = new ListLog();
        using var client = new GpuImageBuilder.Build.Services.Region.RegionClient(Region(), new(Full), log, FastHttp);
        var since = JournalCount;
        var watch = Stopwatch.StartNew();

        await client.ListImagesAsync(GpuImageBuilder.Build.Services.Region.ImageScope.Owned, CancellationToken.None);

        Assert.That(RequestsSince(since).Select(e => e.Status), Is.EqualTo(new[] { 429, 200 }));
        Assert.That(watch.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(0.95)), "the backoff alone is 20 ms: only Retry-After waits a second");
        Assert.That(log.Lines, Has.Some.Contains("HTTP 429; retry 1 of 4 in 1.0s"));
    }

    [Test]
    public async Task A_failed_import_is_an_error_that_names_the_object()
    {
        var name = UniqueName("gpu-ready");
        var uri = Raw(name);
        Session.Objects.Cut(name + ".raw");

        var (step, _) = Step(Payload(name, uri), Sha('7'));
        var error = await Assert.ThrowsAsync<RegisterException>(() => step.RunAsync(GpuReady, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain($"the region could not import {name}").And.Contains("'failed'").And.Contains(uri.AbsoluteUri).And.Contains("--replace"));
    }

    [Test]
    public async Task Waiting_longer_than_the_register_timeout_names_it()
    {
        var name = UniqueName("gpu-ready");
        var (step, _) = Step(Payload(name, Raw(name)), Sha('8'), Options(timeout: TimeSpan.FromMilliseconds(250)));

        var error = await Assert.ThrowsAsync<RegisterException>(() => step.RunAsync(GpuReady, CancellationToken.None));

        Assert.That(error!.Message, Does.Match($"{name} \\(.*\\) is still (pending|creating) after").And.Contains("--register-timeout (GPU_IMAGE_REGISTER_TIMEOUT)"));
    }

    [Test]
    public async Task A_presigned_url_is_sent_but_its_signature_never_logged()
    {
        var name = UniqueName("gpu-ready");
        var uri = Raw(name);
        var options = Options() with { UrlMode = GpuImageBuilder.Build.Parameters.ObjectUrlMode.Presigned, S3 = new(new Uri("http://127.0.0.1:9"), "gpu-images", "images", "us-east-1", true) };
        var signer = new QuerySigner(uri);
        var (step, log) = Step(Payload(name, uri), Sha('9'), options, signer);

        await step.RunAsync(GpuReady, CancellationToken.None);

        Assert.That(signer.Signed, Is.EqualTo(new[] { ("gpu-images", $"images/{name}.raw", TimeSpan.FromHours(24)) }));
        Assert.That(ImagesNamed(name).Single().Spec.Uri, Does.EndWith(QuerySigner.Query), "the region got the signed URL");
        Assert.That(log.ToString(), Does.Not.Contain(QuerySigner.Signature));
    }

    [Test]
    public async Task A_dry_run_prints_every_request_and_sends_none()
    {
        var name = UniqueName("gpu-ready");
        var since = JournalCount;
        var (step, log) = Step(Payload(name, Raw(name)), Sha('0'), Options(dryRun: true));

        await step.RunAsync(GpuReady, CancellationToken.None);

        Assert.That(RequestsSince(since), Is.Empty);
        var text = log.ToString();
        Assert.That(text, Does.Contain($"GET {Session.Host.BaseUrl}api/v2/regions/{RegionId}/images?organizationID={Org}&scope=owned"));
        Assert.That(text, Does.Contain($"POST {Session.Host.BaseUrl}api/v1/organizations/{Org}/regions/{RegionId}/images"));
        Assert.That(text, Does.Contain("Authorization: Bearer [REDACTED]"));
        Assert.That(text, Does.Contain($"\"name\": \"{name}\"").And.Contains($"\"value\": \"{Sha('0')}\""));
    }

    [Test]
    public async Task An_upload_record_for_another_object_is_refused_but_a_dry_run_ignores_it()
    {
        // upload.json from a real upload to another endpoint, payload.json regenerated for this one.
        var name = UniqueName("gpu-ready");
        var paths = WriteArtifacts(_output.Path, Payload(name, Raw(name)), Sha('0'));
        var elsewhere = new UploadedObject("gpu-images", $"images/{name}.raw", new Uri($"http://127.0.0.1:9/gpu-images/images/{name}.raw"), 2 << 20, Sha('0'), true, DateTimeOffset.UtcNow);
        GpuImageBuilder.Build.Services.Upload.UploadedObjectFile.Write(paths.Uploaded(GpuReady.Name), elsewhere);
        var since = JournalCount;

        var real = new RegisterStep(Options(), paths, Validator, new ListLog());
        var error = await Assert.ThrowsAsync<RegisterException>(() => real.RunAsync(GpuReady, CancellationToken.None));
        Assert.That(error!.Message, Does.Contain("but Upload published http://127.0.0.1:9/").And.Contains("run GeneratePayload again"));

        var log = new ListLog();
        await new RegisterStep(Options(dryRun: true), paths, Validator, log).RunAsync(GpuReady, CancellationToken.None);
        Assert.That(log.ToString(), Does.Contain("Authorization: Bearer [REDACTED]"));
        Assert.That(RequestsSince(since).Where(e => e.Path.StartsWith("/api", StringComparison.Ordinal)), Is.Empty, "nothing sent by either");
    }

    /// <summary>Stands in for the S3 presigner: the plain URL plus a query whose signature is a secret.</summary>
    private sealed class QuerySigner(Uri plain) : IObjectUrlSigner
    {
        public const string Signature = "c2lnbmF0dXJlLXNlY3JldA0123456789abcdef";
        public const string Query = "?X-Amz-Expires=86400&X-Amz-Signature=" + Signature;

        public List<(string Bucket, string Key, TimeSpan Expiry)> Signed { get; } = [];

        public Uri Sign(ObjectLocation location, TimeSpan expiry)
        {
            Signed.Add((location.Bucket, location.Key, expiry));
            return new Uri(plain + Query);
        }
    }
}
