using System.Globalization;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Tests.Infrastructure;

/// <summary>
/// Around the whole run (no namespace: NUnit applies a namespace-less SetUpFixture to the assembly): a start line, the
/// time per fixture at the end, and what the run leaves in output/ (the fixture pipeline's cache, ~11 GB), removed when
/// GPU_IMAGE_TESTS_CLEAN=1 at the price of a cold pipeline next time.
/// </summary>
[SetUpFixture]
public sealed class TestRun
{
    /// <summary>Set to 1 to remove output/ci (the fixture pipeline's images and cache) when the run ends.</summary>
    public const string CleanVariable = "GPU_IMAGE_TESTS_CLEAN";

    [OneTimeSetUp]
    public void Start() => TestProgressAttribute.Line($"tests start ({RepoPaths.Root})");

    [OneTimeTearDown]
    public async Task End()
    {
        TestProgressAttribute.Summary();
        var ci = RepoPaths.InRepo("output", "ci");
        if (Environment.GetEnvironmentVariable(CleanVariable) == "1" && Directory.Exists(ci))
        {
            Directory.Delete(ci, recursive: true);
            TestProgressAttribute.Line($"removed output/ci ({CleanVariable}=1)");
        }

        var output = RepoPaths.InRepo("output");
        if (Directory.Exists(output))
        {
            // du, not file lengths: the raw images are sparse, and what matters is the space they take.
            var du = await new CommandRunner().RunAsync("du", ["-sh", "--", output, .. Directory.Exists(ci) ? new[] { ci } : []]);
            var sizes = du.OutputLines.Select(l => l.Split('\t')).Where(p => p.Length == 2).Select(p => $"{Path.GetRelativePath(RepoPaths.Root, p[1])} {p[0]}");
            TestProgressAttribute.Line(string.Create(CultureInfo.InvariantCulture,
                $"disk: {string.Join(", ", sizes)}{(Directory.Exists(ci) ? $" (output/ci is the pipeline's cache: rm -rf output/ci, or {CleanVariable}=1, frees it)" : string.Empty)}"));
        }
    }
}
