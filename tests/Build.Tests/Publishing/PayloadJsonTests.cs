using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Publishing;

[TestFixture]
[Category("Publishing")]
[Parallelizable(ParallelScope.All)]
public sealed class PayloadJsonTests
{
    [Test]
    public void A_payload_reads_back_equal_and_writes_the_same_bytes()
    {
        var json = PayloadFixtures.ExampleJson("nvidia-firmware1");
        var payload = PayloadJson.Deserialize(json);
        Assert.That(PayloadJson.Serialize(payload), Is.EqualTo(json));
        Assert.That(payload.Spec.Gpu!.Models, Is.EqualTo(new[] { "H100", "H200" }));
        Assert.That(PayloadTags.Find(payload.Metadata.Tags, PayloadTags.Sha256), Is.EqualTo(PayloadFixtures.Manifest("nvidia-firmware1").Raw!.Sha256));
    }

    [Test]
    public void Nulls_are_left_out_properties_keep_the_contract_order_and_the_file_ends_in_a_newline()
    {
        var json = PayloadFixtures.ExampleJson("gpu-ready");
        Assert.That(json, Does.Not.Contain("null").And.Not.Contain("\"gpu\"").And.Not.Contain("description"));
        Assert.That(json, Does.EndWith("}\n").And.Not.EndWith("\n\n").And.Not.Contain("\r"));
        var order = new[] { "\"metadata\"", "\"name\"", "\"tags\"", "\"spec\"", "\"uri\"", "\"architecture\"", "\"virtualization\"", "\"os\"", "\"kernel\"", "\"family\"", "\"distro\"", "\"variant\"", "\"codename\"", "\"version\"", "\"softwareVersions\"" };
        Assert.That(order.Select(p => json.IndexOf(p, StringComparison.Ordinal)), Is.Ordered.And.All.GreaterThanOrEqualTo(0), json);
    }

    [TestCase("{}", "payload.json: not a payload")]
    [TestCase("[1]", "payload.json: not a payload")]
    [TestCase("{\"metadata\":{\"name\":\"x\"}}", "payload.json: not a payload")]
    public void Something_that_is_not_a_payload_is_a_clear_error(string json, string expected)
    {
        var ex = Assert.Throws<PayloadException>(() => PayloadJson.Deserialize(json, "payload.json"));
        Assert.That(ex!.Message, Does.StartWith(expected).And.EndWith("run GeneratePayload again"));
    }

    [Test]
    public void Reading_a_payload_that_was_never_written_says_to_run_GeneratePayload()
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<PayloadException>(() => PayloadJson.Read(dir.File("payload.json")));
        Assert.That(ex!.Message, Is.EqualTo($"{dir.File("payload.json")} does not exist: run GeneratePayload (--target=GeneratePayload) first"));
    }
}
