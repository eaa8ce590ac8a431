using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Publishing;

/// <summary>
/// GeneratePayload through the real build host (--exclusive: the manifest stands in for the finished steps before
/// it, which take a VM), as a user runs it: no credentials, a dry run writes the payload too (it sends nothing).
/// </summary>
[TestFixture]
[Category("Publishing")]
[Parallelizable(ParallelScope.All)]
public sealed class GeneratePayloadHostTests
{
    private static string[] Arguments(params string[] more) =>
    [
        "--target=GeneratePayload", "--exclusive", "--image=all",
        .. PayloadFixtures.S3Arguments.Select(a => $"--{a.Argument}={a.Value}"),
        .. more,
    ];

    [TestCase(false)]
    [TestCase(true)]
    public void It_writes_each_image_s_payload_from_its_manifest(bool dryRun)
    {
        using var host = new HostRunner();
        foreach (var image in new[] { "gpu-ready", "nvidia-firmware1" })
        {
            host.WriteFile($"output/{image}/manifest.json", File.ReadAllText(PayloadFixtures.DataFile($"{image}.manifest.json")));
        }

        var result = host.Run(dryRun ? Arguments("--dry-run") : Arguments());

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        foreach (var image in new[] { "gpu-ready", "nvidia-firmware1" })
        {
            Assert.That(File.ReadAllText(host.PathOf("output", image, "payload.json")), Is.EqualTo(PayloadFixtures.ExampleJson(image)), image);
            Assert.That(result.StdOut, Does.Contain($"{image}: payload {image}-20261201 -> https://s3.example.com/gpu-images/gpu-images/{image}-20261201.raw"));
        }
    }

    [Test]
    public void Without_a_finished_image_it_fails_with_one_line_naming_the_step_to_run()
    {
        using var host = new HostRunner();
        var result = host.Run(Arguments("--image=gpu-ready"));
        Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.ToString());
        Assert.That(result.Output, Does.Contain("gpu-ready: the manifest has no SHA-256 of the raw image: run Checksum (--target=Checksum --image=gpu-ready)"));
        Assert.That(File.Exists(host.PathOf("output", "gpu-ready", "payload.json")), Is.False);
    }

    [Test]
    public void Without_a_bucket_it_names_the_parameter_before_any_task()
    {
        using var host = new HostRunner();
        var result = host.Run("--target=GeneratePayload", "--exclusive", "--image=gpu-ready");
        Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.ToString());
        Assert.That(result.Output, Does.Contain("--s3-bucket"));
        Assert.That(Directory.Exists(host.PathOf("output", "gpu-ready")) && File.Exists(host.PathOf("output", "gpu-ready", "payload.json")), Is.False);
    }
}
