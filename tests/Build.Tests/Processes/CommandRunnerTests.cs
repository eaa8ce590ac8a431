using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Tests.Processes;

/// <summary>The process runner: standard input for secrets, output lines as they come, timeouts that stop the command.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class CommandRunnerTests
{
    [Test]
    public async Task Standard_input_reaches_the_command_and_not_its_arguments()
    {
        const string secret = "s3cret-from-stdin";
        var result = await new CommandRunner().RunAsync("sh", ["-c", "read -r line; echo \"got:$line\"; cat /proc/$$/cmdline | tr '\\0' ' '"], new CommandOptions { StandardInput = secret + "\n" });
        Assert.That(result.ExitCode, Is.Zero, result.StdErr);
        var lines = result.StdOut.Split('\n');
        Assert.That(lines[0], Is.EqualTo("got:" + secret));
        Assert.That(lines[1], Does.Not.Contain(secret), "the command line does not carry the secret");
    }

    [Test]
    public async Task Without_input_the_command_sees_end_of_file_at_once()
    {
        var result = await new CommandRunner().RunAsync("cat", [], new CommandOptions { Timeout = TimeSpan.FromSeconds(20) });
        Assert.That(result.ExitCode, Is.Zero);
        Assert.That(result.StdOut, Is.Empty);
    }

    [Test]
    public async Task Every_output_line_is_reported_as_it_arrives()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var result = await new CommandRunner().RunAsync("sh", ["-c", "echo one; echo two >&2"], new CommandOptions { OnLine = lines.Enqueue });
        Assert.That(result.Succeeded, Is.True);
        Assert.That(lines, Is.EquivalentTo(new[] { "one", "two" }));
    }

    [Test]
    public async Task A_command_past_its_timeout_is_stopped()
    {
        var ex = await Assert.ThrowsAsync<CommandTimeoutException>(() => new CommandRunner().RunAsync("sleep", ["30"], new CommandOptions { Timeout = TimeSpan.FromMilliseconds(300) }));
        Assert.That(ex!.Message, Does.Contain("sleep 30 did not finish within"));
    }
}
