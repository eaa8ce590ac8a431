using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Tests.Infrastructure;
using GpuImageBuilder.Build.Tests.Pipeline;

namespace GpuImageBuilder.Build.Tests.Fixture;

/// <summary>
/// tests/fixture/build-base-image.sh gives the same bytes for the same inputs, so a rebuilt fixture does not change
/// every cache key downstream. "Same inputs" is the script, SOURCE_DATE_EPOCH and the package versions the mirror
/// serves; the script records all of them in OUTPUT.packages, which is what is compared first.
/// </summary>
[TestFixture]
[Category("Fixture")]
[NonParallelizable]
public sealed class BaseImageReproducibilityTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(40);

    [Test]
    public async Task Two_builds_from_the_same_inputs_are_byte_identical()
    {
        // The first build is the cached image the pipeline uses (built here only when missing or stale), so a full
        // run pays for one extra build, not two. Only when the mirror has moved on since the cached one was built
        // (its recorded package versions differ) is it not a fair comparison, and a second fresh build is made.
        var (cached, _) = await FixtureImage.EnsureAsync();
        using var scratch = new TempDir("gib-repro");
        var fresh = await BuildAsync(Path.Combine(scratch.Path, "a", "base.qcow2"));
        var reference = cached;
        if (await File.ReadAllTextAsync(cached + ".packages") != await File.ReadAllTextAsync(fresh + ".packages"))
        {
            TestProgressAttribute.Line("fixture: the mirror changed since the cached base image was built; building a second fresh one to compare");
            reference = await BuildAsync(Path.Combine(scratch.Path, "b", "base.qcow2"));
            Assert.That(await File.ReadAllTextAsync(fresh + ".packages"), Is.EqualTo(await File.ReadAllTextAsync(reference + ".packages")),
                "the mirror changed between two builds minutes apart: rerun");
        }

        var expected = Sha256Of(reference);
        Assert.That(Sha256Of(fresh), Is.EqualTo(expected), $"{fresh} differs from {reference} although their inputs (.packages) are the same");
        Assert.That(ImageHasher.Sha256(fresh), Is.EqualTo(expected), "the recorded .sha256 is the image's");
        TestProgressAttribute.Line($"fixture: two builds, one SHA-256: {expected}");
    }

    private static async Task<string> BuildAsync(string output)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var result = await FixtureImage.BuildAsync(output, Limit);
        Assert.That(result.ExitCode, Is.Zero, "the fixture base image did not build:\n" + result.StdOut + result.StdErr);
        return output;
    }

    private static string Sha256Of(string image) => File.ReadAllText(image + ".sha256").Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
}
