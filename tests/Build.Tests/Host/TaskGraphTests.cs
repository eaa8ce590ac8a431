using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Host;

/// <summary>The order of tasks for each target, as the real host plans it (--dryrun runs nothing).</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class TaskGraphTests
{
    private static readonly string[] Pipeline = ["Validate", "BuildQcow2", "ConvertRaw", "Checksum", "AuditImage", "SmokeBoot", "GeneratePayload", "Upload", "Register"];

    private static readonly int ThroughPayload = Array.IndexOf(Pipeline, "GeneratePayload") + 1;

    private static IEnumerable<TestCaseData> Targets()
    {
        for (var i = 0; i < Pipeline.Length; i++)
        {
            yield return new TestCaseData(Pipeline[i], Pipeline[..(i + 1)]).SetArgDisplayNames(Pipeline[i]);
        }

        yield return new TestCaseData("Default", new[] { "Validate", "Default" }).SetArgDisplayNames("Default");
        foreach (var aggregate in new[] { "BuildGpuReady", "BuildNvidia", "BuildBoth" })
        {
            yield return new TestCaseData(aggregate, Pipeline[..ThroughPayload].Append(aggregate).ToArray()).SetArgDisplayNames(aggregate);
        }

        yield return new TestCaseData("Publish", Pipeline.Append("Publish").ToArray()).SetArgDisplayNames("Publish");
    }

    [TestCaseSource(nameof(Targets))]
    public void Target_runs_its_dependencies_in_pipeline_order(string target, string[] expected)
    {
        using var host = new HostRunner();
        var result = host.Run($"--target={target}", "--dryrun");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.PlannedTasks, Is.EqualTo(expected), result.ToString());
    }

    [Test]
    public void Default_target_is_used_when_none_is_given()
    {
        using var host = new HostRunner();
        var result = host.Run("--dryrun");
        Assert.That(result.PlannedTasks, Is.EqualTo(new[] { "Validate", "Default" }), result.ToString());
    }

    [Test]
    public void Exclusive_runs_only_the_target()
    {
        using var host = new HostRunner();
        var result = host.Run("--target=Register", "--exclusive", "--dryrun");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.PlannedTasks, Is.EqualTo(new[] { "Register" }), result.ToString());
    }

    [Test]
    public void Dry_run_needs_no_inputs_and_runs_nothing()
    {
        // Register without any credentials would fail validation; a dry run only prints the plan.
        using var host = new HostRunner();
        var result = host.Run("--target=Register", "--image=nvidia-firmware1", "--dryrun");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain("Nothing is executed"));
        Assert.That(result.Output, Does.Not.Contain("missing"));
        Assert.That(Directory.Exists(host.PathOf("output")), Is.False, "a dry run must not create outputs");
    }

    [Test]
    public void Unknown_target_fails_with_one_line()
    {
        using var host = new HostRunner();
        var result = host.Run("--target=Nope");
        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.Output, Does.Match("(?m)^Error: .*Nope.*$"));
    }

    [Test]
    public void Tree_shows_the_whole_graph_from_each_root()
    {
        using var host = new HostRunner();
        var result = host.Run("--tree");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        foreach (var root in new[] { "BuildBoth", "BuildGpuReady", "BuildNvidia", "Default", "Publish" })
        {
            Assert.That(result.StdOut, Does.Match($"(?m)^{root}$"), $"root {root} missing:\n{result}");
        }

        Assert.That(result.StdOut, Does.Contain("Publish\n└── Register\n    └── Upload\n        └── GeneratePayload"));
    }

    [Test]
    public void Tree_of_one_target()
    {
        using var host = new HostRunner();
        var result = host.Run("--tree", "--target=ConvertRaw");
        Assert.That(result.StdOut.Trim(), Is.EqualTo("ConvertRaw\n└── BuildQcow2\n    └── Validate"));
    }

    [Test]
    public void Description_lists_every_task_with_its_description()
    {
        using var host = new HostRunner();
        var result = host.Run("--description");
        Assert.That(result.ExitCode, Is.Zero);
        foreach (var task in Pipeline.Concat(["Default", "BuildGpuReady", "BuildNvidia", "BuildBoth", "Publish"]))
        {
            Assert.That(result.StdOut, Does.Match($"(?m)^{task} +\\S+"), $"{task} has no description line:\n{result}");
        }
    }

    [Test]
    public void Help_lists_host_options_and_every_parameter_with_its_environment_variable()
    {
        using var host = new HostRunner();
        var result = host.Run("--help");
        Assert.That(result.ExitCode, Is.Zero);
        foreach (var option in new[] { "--target", "--verbosity", "--dryrun", "--exclusive", "--tree", "--description", "--help" })
        {
            Assert.That(result.StdOut, Does.Contain(option));
        }

        foreach (var p in GpuImageBuilder.Build.Parameters.ParameterCatalog.All)
        {
            Assert.That(result.StdOut, Does.Contain($"--{p.Argument} ({p.Environment})"));
            if (p.Default is not null && !p.IsSecret)
            {
                Assert.That(result.StdOut, Does.Contain($"default: {p.Default}"), p.Argument);
            }
        }
    }

    [Test]
    public void Bad_verbosity_is_a_usage_error()
    {
        using var host = new HostRunner();
        var result = host.Run("--verbosity=loud", "--tree");
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StdErr.Trim(), Does.StartWith("Error: --verbosity=loud").And.Contain("diagnostic"));
    }
}
