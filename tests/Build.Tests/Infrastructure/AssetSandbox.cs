using GpuImageBuilder.Build.Context;

namespace GpuImageBuilder.Build.Tests.Infrastructure;

/// <summary>A throwaway copy of the repository's assets (templates, scripts, cloud-init) that a test may break.</summary>
public sealed class AssetSandbox : IDisposable
{
    public AssetSandbox()
    {
        Root = Path.Combine(Path.GetTempPath(), "gib-assets-" + Guid.NewGuid().ToString("N")[..12]);
        foreach (var folder in new[] { "templates", "scripts", "cloud-init" })
        {
            Copy(RepoPaths.InRepo(folder), Path.Combine(Root, folder));
        }

        Assets = new AssetPaths(Root);
    }

    public string Root { get; }

    public AssetPaths Assets { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public void Replace(string relative, string from, string to)
    {
        var path = PathOf(relative);
        var text = File.ReadAllText(path);
        Assert.That(text, Does.Contain(from), $"test setup: '{from}' not found in {relative}");
        File.WriteAllText(path, text.Replace(from, to));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            File.Copy(file, target);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(target, File.GetUnixFileMode(file));
            }
        }
    }
}
