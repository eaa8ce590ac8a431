namespace GpuImageBuilder.Build.Context;

/// <summary>
/// Relative paths in parameters and definitions (templates/, scripts/, output/) mean the repository root, whatever
/// directory the build was started from: build.sh cds there, a direct <c>dotnet Build.dll</c> may not.
/// </summary>
public static class RepositoryRoot
{
    public const string Marker = "build/Build.csproj";

    public static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, Marker)))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    public static void EnterRepositoryRoot()
    {
        var root = Find(Environment.CurrentDirectory) ?? Find(AppContext.BaseDirectory);
        if (root is not null)
        {
            Environment.CurrentDirectory = root;
        }
    }
}
