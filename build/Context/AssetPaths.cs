namespace GpuImageBuilder.Build.Context;

/// <summary>The reviewed, first-class assets the build wraps: templates, provisioning scripts, cloud-init.</summary>
public sealed record AssetPaths(string Root)
{
    public string Templates => Path.Combine(Root, "templates");

    public string Scripts => Path.Combine(Root, "scripts");

    public string CloudInit => Path.Combine(Root, "cloud-init");

    /// <summary>Baked into every image as /etc/cloud/cloud.cfg.d/99-gpu-image.cfg (first-boot growpart).</summary>
    public string FirstBootConfig => Path.Combine(CloudInit, "99-gpu-image.cfg");

    /// <summary>The build-time NoCloud user-data, with ${BUILD_USER} and ${SSH_PUBLIC_KEY} placeholders.</summary>
    public string BuildUserData => Path.Combine(CloudInit, "build-user-data.yaml");

    public string MetaData => Path.Combine(CloudInit, "meta-data");

    public string SmokeUserData => Path.Combine(CloudInit, "smoke-user-data.yaml");

    public string CleanupScript => Path.Combine(Scripts, "99-cleanup.sh");

    /// <summary>Every shell script of the project that Validate lints.</summary>
    public IEnumerable<string> ShellScripts()
    {
        string[] folders = ["scripts", "templates", "tests/fixture", "tools", "bench"];
        var files = folders
            .Select(f => Path.Combine(Root, f))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "*.sh", SearchOption.AllDirectories))
            .Concat(new[] { "build.sh", ".ci/run" }.Select(f => Path.Combine(Root, f)).Where(File.Exists));
        return files.Order(StringComparer.Ordinal);
    }

    /// <summary>cloud-config documents (user-data and cloud.cfg.d drop-ins); meta-data is not one.</summary>
    public IEnumerable<string> CloudConfigs() =>
        Directory.Exists(CloudInit)
            ? Directory.GetFiles(CloudInit).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".cfg", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            : [];
}
