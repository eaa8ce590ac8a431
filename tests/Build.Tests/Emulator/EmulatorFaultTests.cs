using System.Net;
using System.Text.Json.Nodes;
using GpuImageBuilder.RegionEmulator.Faults;

namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>Injected faults: 503 N times, 429 with Retry-After, and a POST whose answer is lost after the image exists.</summary>
[TestFixture]
[Category("Emulator")]
public sealed class EmulatorFaultTests : EmulatorFixture
{
    [TearDown]
    public void Disarm() => Session.Host.Faults.Clear();

    [Test]
    public async Task Two_503s_then_the_third_post_creates_exactly_one_image()
    {
        using (var arm = await Session.SendAsync(HttpMethod.Post, "_emulator/faults", token: null,
            new JsonObject { ["kind"] = "unavailable", ["count"] = 2, ["method"] = "POST" }))
        {
            Assert.That(arm.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var response = await Session.CreateAsync(ImagePayloads.Gpu("after-503s", Raw));
            statuses.Add(response.StatusCode);
        }

        Assert.That(statuses, Is.EqualTo(new[] { HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK }));
        Assert.That(Session.Host.Images.All().Count(i => i.Name == "after-503s"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_fault_for_posts_leaves_the_list_alone()
    {
        Session.Host.Faults.Arm(new Fault(FaultKind.Unavailable, 1, "POST"));
        await Session.ListAsync("organizationID=org-a"); // asserts 200 itself
        using var response = await Session.CreateAsync(ImagePayloads.Gpu("post-fault", Raw));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
    }

    [Test]
    public async Task Throttling_answers_429_with_retry_after_then_serves_again()
    {
        Session.Host.Faults.Arm(new Fault(FaultKind.Throttle, 1, RetryAfterSeconds: 7));
        using var throttled = await Session.SendAsync(HttpMethod.Get, $"api/v2/regions/{EmulatorSession.Region}/images", EmulatorSession.Full);
        Assert.That(throttled.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(throttled.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(7)));
        using var served = await Session.SendAsync(HttpMethod.Get, $"api/v2/regions/{EmulatorSession.Region}/images", EmulatorSession.Full);
        Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_dropped_answer_still_leaves_the_created_image_to_be_found_by_name()
    {
        Session.Host.Faults.Arm(new Fault(FaultKind.DropAfterCreate, 1, "POST"));
        await Assert.ThrowsAsync<HttpRequestException>(async () => await Session.CreateAsync(ImagePayloads.Gpu("answer-lost", Raw)));
        var owned = await Session.ListAsync("organizationID=org-a&scope=owned");
        Assert.That(EmulatorSession.Names(owned).Count(n => n == "answer-lost"), Is.EqualTo(1));
        Assert.That(Session.Host.Requests.Entries.Any(e => e is { Method: "POST", Status: 0 }), Is.True, "the journal marks the drop");
    }

    [Test]
    public async Task An_unknown_fault_kind_is_refused_by_the_admin_endpoint()
    {
        using var response = await Session.SendAsync(HttpMethod.Post, "_emulator/faults", token: null,
            new JsonObject { ["kind"] = "explode", ["count"] = 1 });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }
}
