using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Pipeline;

/// <summary>
/// The offline fixture base image (Debian bookworm, UEFI, cloud-init) that CI builds the images from, because the
/// Ubuntu archive is out of reach here. tests/fixture/build-base-image.sh builds it once and caches it.
/// </summary>
public static class FixtureImage
{
    public static string Path => RepoPaths.InRepo("output", "fixture", "base.qcow2");

    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Builds (or reuses) the base image; returns its path and "sha256:..." checksum.</summary>
    public static async Task<(string Path, string Checksum)> EnsureAsync()
    {
        await Gate.WaitAsync();
        try
        {
            // ~1 min on an idle machine; 16 min was measured with the 2 cores shared by five builds.
            var result = await BuildAsync(Path, TimeSpan.FromMinutes(40));
            Assert.That(result.ExitCode, Is.Zero, "the fixture base image did not build:\n" + result.StdOut + result.StdErr);
            var sha = (await File.ReadAllTextAsync(Path + ".sha256")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            return (Path, "sha256:" + sha);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Runs tests/fixture/build-base-image.sh for <paramref name="output"/>, its lines streamed with timestamps.</summary>
    public static async Task<CommandResult> BuildAsync(string output, TimeSpan timeout)
    {
        TestProgressAttribute.Line($"fixture base image {output}: building (or cached)...");
        var result = await new CommandRunner().RunAsync(RepoPaths.InRepo("tests", "fixture", "build-base-image.sh"), [output], new CommandOptions
        {
            WorkingDirectory = RepoPaths.Root,
            Timeout = timeout,
            OnLine = l => TestProgressAttribute.Line("fixture: " + l),
        });
        TestProgressAttribute.Line(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"fixture base image {output}: exit {result.ExitCode} after {result.Elapsed.TotalSeconds:0} s"));
        return result;
    }

    /// <summary>The build's arguments for the fixture: its definitions, its base image, a small disk.</summary>
    public static string[] Arguments(string checksum, string outputDir, params string[] extra) =>
    [
        "--definitions=tests/fixture/images",
        $"--base-image={Path}",
        $"--base-image-checksum={checksum}",
        "--disk-size=3G",
        $"--output-dir={outputDir}",
        .. extra,
    ];
}
