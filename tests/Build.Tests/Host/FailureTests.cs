using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Host;

/// <summary>How failures reach the user: exit code, one line, no stack trace unless asked, no secret ever.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class FailureTests
{
    // A task of the test host that always fails: what is tested is the host's reporting, not any real task.
    private static string[] FailingRun(params string[] extra) =>
        [$"--target={FailOnPurposeTask.Name}", "--exclusive", .. extra];

    [Test]
    public void A_failing_task_exits_non_zero_with_the_error_on_one_line()
    {
        using var host = new HostRunner { WithTestTasks = true };
        var result = host.Run(FailingRun());
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        var errorLines = result.Output.Split('\n').Where(l => l.StartsWith("Error: ", StringComparison.Ordinal)).ToList();
        Assert.That(errorLines, Is.EqualTo(new[] { "Error: " + FailOnPurposeTask.Message }), result.ToString());
        Assert.That(result.Output, Does.Not.Contain("   at "), "no stack trace below diagnostic verbosity");
        Assert.That(result.StdOut, Does.Match($"(?m)^{FailOnPurposeTask.Name}\\s.*Failed"), "Cake's report table is printed");
    }

    [Test]
    public void Diagnostic_verbosity_shows_the_stack_trace()
    {
        using var host = new HostRunner { WithTestTasks = true };
        var result = host.Run(FailingRun("--verbosity=diagnostic"));
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Output, Does.Contain("   at "));
    }

    [Test]
    public void Register_without_credentials_lists_every_missing_input_in_one_error()
    {
        using var host = new HostRunner();
        var result = host.Run("--target=Register");
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Output, Does.Contain("5 inputs are missing or invalid for target 'Register'"));
        foreach (var (arg, env) in new[]
                 {
                     (Arg.S3Bucket, Env.S3Bucket),
                     (Arg.RegionUrl, Env.RegionUrl), (Arg.OrganizationId, Env.OrganizationId), (Arg.RegionId, Env.RegionId),
                     (Arg.Token, Env.Token),
                 })
        {
            Assert.That(result.Output, Does.Contain($"--{arg} ({env}): missing; expected "), arg);
        }

        Assert.That(result.PlannedTasks, Is.Empty);
        Assert.That(result.StdOut, Does.Not.Contain("Duration"), "no report table when no task ran");
        Assert.That(result.Output, Does.Not.Match("(?m)^Validate\\s*$"), "no task starts (Cake prints each task's name as a header) when inputs are missing");
    }

    [Test]
    public void No_secret_appears_at_diagnostic_verbosity_from_any_source_nor_in_an_error_message()
    {
        using var host = new HostRunner { WithTestTasks = true };
        host.Environment[Env.S3AccessKey] = ValidInputs.AccessKey;
        host.WriteFile(".env", $"{Env.S3SecretKey}={ValidInputs.SecretKey}\n");
        string[] args =
        [
            .. FailingRun("--verbosity=diagnostic", $"--{Arg.Token}={ValidInputs.Token}"),
            .. ValidInputs.Region(withToken: false), .. ValidInputs.S3(withKeys: false),
        ];
        var result = host.Run(args);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Output, Does.Contain($"{FailOnPurposeTask.Message} (token [REDACTED])"), "the task's error carried the token");
        Assert.That(result.Output, Does.Contain("token = (set) [Argument]"), result.ToString());
        Assert.That(result.Output, Does.Contain("s3-secret-key = (set) [EnvFile]"));
        Assert.That(result.Output, Does.Contain("s3-access-key = (set) [Environment]"));
        foreach (var secret in new[] { ValidInputs.Token, ValidInputs.AccessKey, ValidInputs.SecretKey })
        {
            Assert.That(result.Output, Does.Not.Contain(secret));
        }
    }

    [Test]
    public void A_malformed_secret_is_reported_without_its_value()
    {
        using var host = new HostRunner();
        var result = host.Run("--target=Register", "--token=abc def-secret-part", "--verbosity=diagnostic");
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Output, Does.Contain($"--{Arg.Token} ({Env.Token}): contains whitespace"));
        Assert.That(result.Output, Does.Not.Contain("secret-part"));
    }

    [Test]
    public void Dry_run_parameter_drops_the_need_for_credentials_only()
    {
        using var host = new HostRunner();
        var result = host.Run("--target=Register", "--dry-run");
        Assert.That(result.Output, Does.Contain("4 inputs are missing"), result.ToString());
        Assert.That(result.Output, Does.Not.Contain($"--{Arg.Token} ("));
        Assert.That(result.Output, Does.Not.Contain($"--{Arg.S3SecretKey} ("));
        Assert.That(result.Output, Does.Contain($"--{Arg.OrganizationId} ("));
    }

    [Test]
    public void Explicit_env_file_that_does_not_exist_is_an_error()
    {
        using var host = new HostRunner();
        var result = host.Run("--target=Default", "--env-file=creds/missing.env");
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Output, Does.Contain("--env-file (GPU_IMAGE_ENV_FILE) = 'creds/missing.env': file not found"));
    }
}
