using Cake.Frosting;
using GpuImageBuilder.Build.Context;

namespace GpuImageBuilder.Build.Tests.Host;

/// <summary>
/// The build host plus the tasks below, for tests of how the host reports what tasks do (HostRunner with
/// <see cref="Infrastructure.HostRunner.WithTestTasks"/>). The real build never has them.
/// </summary>
public static class TestHost
{
    public static int Main(string[] args) => Program.Run(Program.CreateHost().AddAssembly(typeof(TestHost).Assembly), args);
}

/// <summary>
/// Fails, always: how a failing task reaches the user, whatever the real tasks do or do not implement. With --token
/// set, the error carries it, as a tool's message might: the redaction must catch it.
/// </summary>
[TaskName(Name)]
[TaskDescription("Test only: fails on purpose.")]
public sealed class FailOnPurposeTask : FrostingTask<BuildContext>
{
    public const string Name = "FailOnPurpose";
    public const string Message = "FailOnPurpose failed on purpose";

    public override void Run(BuildContext context) =>
        throw new InvalidOperationException(context.Parameters.Secrets.FirstOrDefault() is { } token ? $"{Message} (token {token})" : Message);
}
