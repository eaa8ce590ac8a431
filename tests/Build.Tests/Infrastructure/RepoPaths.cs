using GpuImageBuilder.Build.Context;

namespace GpuImageBuilder.Build.Tests.Infrastructure;

/// <summary>The real repository, found from the test binaries.</summary>
public static class RepoPaths
{
    public static string Root { get; } = RepositoryRoot.Find(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("Cannot find the repository root (build/Build.csproj) above " + AppContext.BaseDirectory);

    public static string InRepo(params string[] parts) => Path.Combine([Root, .. parts]);
}
