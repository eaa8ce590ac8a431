using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using NUnit.Framework.Interfaces;

// Every test reports its start and end on TestContext.Progress, which `dotnet test --logger "console;verbosity=normal"`
// prints as it happens (and CI logs keep): without it, a full run is silent for a quarter of an hour while bats, the
// fixture image and the pipeline run.
[assembly: GpuImageBuilder.Build.Tests.Infrastructure.TestProgress]

namespace GpuImageBuilder.Build.Tests.Infrastructure;

/// <summary>
/// Progress lines for a test run: "[mm:ss] ▶ Fixture" when a fixture's first test starts, "[mm:ss] ▶ test" for the
/// slow categories (minutes each), "[mm:ss] ✓ test (12.3 s)" when one took a second or more or did not pass, and at the
/// end one line per fixture with its count and time, so the slow stages are named in the log.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class TestProgressAttribute : Attribute, ITestAction
{
    /// <summary>Tests here take minutes: say when each starts, not only when it ends.</summary>
    private static readonly string[] SlowCategories = ["Pipeline", "Fixture"];

    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private static readonly ConcurrentDictionary<string, long> Started = new();
    private static readonly ConcurrentDictionary<string, FixtureTally> Fixtures = new();

    public ActionTargets Targets => ActionTargets.Test;

    /// <summary>"[mm:ss]" since the first test started; the fixture image build and the host runs use it too.</summary>
    public static string Stamp()
    {
        var t = Clock.Elapsed;
        return string.Create(CultureInfo.InvariantCulture, $"[{(int)t.TotalMinutes:00}:{t.Seconds:00}]");
    }

    public static void Line(string text) => TestContext.Progress.WriteLine($"{Stamp()} {text}");

    public void BeforeTest(ITest test)
    {
        var fixture = FixtureName(test);
        var tally = Fixtures.GetOrAdd(fixture, _ => new FixtureTally(Clock.ElapsedMilliseconds));
        if (Interlocked.Increment(ref tally.StartedCount) == 1)
        {
            Line($"▶ {fixture}");
        }

        Started[test.Id] = Clock.ElapsedMilliseconds;
        if (IsSlow(test))
        {
            Line($"▶ {test.Name}");
        }
    }

    public void AfterTest(ITest test)
    {
        var now = Clock.ElapsedMilliseconds;
        var took = TimeSpan.FromMilliseconds(now - (Started.TryRemove(test.Id, out var s) ? s : now));
        var outcome = TestContext.CurrentContext.Result.Outcome.Status;
        var tally = Fixtures[FixtureName(test)];
        Interlocked.Exchange(ref tally.LastEnd, now);
        if (outcome != TestStatus.Passed)
        {
            Interlocked.Increment(ref tally.NotPassed);
        }

        if (took >= TimeSpan.FromSeconds(1) || outcome != TestStatus.Passed || IsSlow(test))
        {
            var mark = outcome == TestStatus.Passed ? "✓" : outcome == TestStatus.Failed ? "✗" : "-";
            Line(string.Create(CultureInfo.InvariantCulture, $"{mark} {test.Name} ({took.TotalSeconds:0.0} s){(outcome == TestStatus.Passed ? string.Empty : " " + outcome.ToString().ToLowerInvariant())}"));
        }
    }

    /// <summary>One line per fixture, in the order they started: how many tests, how long from first start to last end.</summary>
    internal static void Summary()
    {
        if (Fixtures.IsEmpty)
        {
            return;
        }

        Line("time per fixture (first start to last end; fixtures run two at a time):");
        foreach (var (name, tally) in Fixtures.OrderBy(f => f.Value.FirstStart))
        {
            var seconds = (Interlocked.Read(ref tally.LastEnd) - tally.FirstStart) / 1000.0;
            var failed = tally.NotPassed > 0 ? $", {tally.NotPassed} not passed" : string.Empty;
            TestContext.Progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {seconds,7:0.0} s  {name} ({tally.StartedCount} tests{failed})"));
        }
    }

    private static bool IsSlow(ITest test)
    {
        for (var t = test; t is not null; t = t.Parent)
        {
            if (t.Properties["Category"].OfType<string>().Any(SlowCategories.Contains))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The fixture class, short ("Scripts.BatsTests"), for tests and for test cases of a parameterised method.</summary>
    private static string FixtureName(ITest test)
    {
        var name = test.ClassName ?? test.FullName;
        const string Root = "GpuImageBuilder.Build.Tests.";
        return name.StartsWith(Root, StringComparison.Ordinal) ? name[Root.Length..] : name;
    }

    private sealed class FixtureTally(long firstStart)
    {
        public readonly long FirstStart = firstStart;
        public int StartedCount;
        public int NotPassed;
        public long LastEnd = firstStart;
    }
}
