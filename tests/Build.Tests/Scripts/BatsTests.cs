using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Scripts;

/// <summary>
/// The provisioning scripts' own unit tests (bats, tests/scripts/*.bats: fake root, stubbed commands), one NUnit
/// case per file so that `dotnet test` is the one command that runs everything.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class BatsTests
{
    private static string Bats => RepoPaths.InRepo("node_modules", "bats", "bin", "bats");

    private static IEnumerable<TestCaseData> BatsFiles() =>
        Directory.GetFiles(RepoPaths.InRepo("tests", "scripts"), "*.bats")
            .Order(StringComparer.Ordinal)
            .Select(f => new TestCaseData(f).SetArgDisplayNames(Path.GetFileName(f)));

    [TestCaseSource(nameof(BatsFiles))]
    public async Task Script_tests_pass(string batsFile)
    {
        Assert.That(File.Exists(Bats), Is.True, $"bats is not installed at {Bats}: run `npm ci` (tools/install-prerequisites.sh does)");
        var result = await new CommandRunner().RunAsync(Bats, ["--tap", batsFile], new CommandOptions
        {
            WorkingDirectory = RepoPaths.Root,
            // Generous: 99-cleanup.bats takes ~1 min alone but 6-10 min on 2 cores shared with VM builds.
            Timeout = TimeSpan.FromMinutes(15),
        });
        var tap = result.StdOut.Split('\n');
        var failed = tap.Where(l => l.StartsWith("not ok", StringComparison.Ordinal)).ToList();
        Assert.That(failed, Is.Empty, result.StdOut + result.StdErr);
        Assert.That(tap.Count(l => l.StartsWith("ok ", StringComparison.Ordinal)), Is.GreaterThan(0), "no bats test ran:\n" + result.StdOut);
        Assert.That(result.ExitCode, Is.Zero, result.StdOut + result.StdErr);
    }
}
