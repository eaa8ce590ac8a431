using System.Text.RegularExpressions;
using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Services.Packer;

/// <summary>
/// The installed Packer: its version, the QEMU plugin where the version needs one, validate and fmt.
/// Packer 1.6.6 (Debian) has the QEMU builder built in; from 1.10 on the builder is a separate plugin.
/// </summary>
public sealed partial class PackerTool(ICommandRunner runner)
{
    public const string QemuPluginSource = "github.com/hashicorp/qemu";

    /// <summary>The first version that no longer bundles the QEMU builder.</summary>
    public static readonly Version FirstWithoutBundledQemu = new(1, 10, 0);

    private Version? _version;

    /// <summary>The packer executable (a name on PATH, or a path).</summary>
    public string Executable { get; init; } = "packer";

    /// <summary>Packer never phones home from a build (checkpoint) and keeps downloads out of the source tree.</summary>
    public static IReadOnlyDictionary<string, string?> Environment(string? cacheDirectory = null) => new Dictionary<string, string?>
    {
        ["CHECKPOINT_DISABLE"] = "1",
        ["PACKER_CHECKPOINT_DISABLE"] = "1",
        ["PACKER_NO_COLOR"] = "1",
        ["PACKER_CACHE_DIR"] = cacheDirectory,
    }.Where(p => p.Value is not null).ToDictionary();

    [GeneratedRegex(@"v?(\d+)\.(\d+)\.(\d+)")]
    private static partial Regex VersionPattern();

    public static Version ParseVersion(string output)
    {
        var m = VersionPattern().Match(output);
        if (!m.Success)
        {
            throw new InvalidOperationException($"cannot read Packer's version from '{output.Trim()}'");
        }

        return new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value));
    }

    public async Task<Version> VersionAsync()
    {
        if (_version is null)
        {
            var result = await runner.RunAsync(Executable, ["version"], new CommandOptions { Environment = Environment(), Timeout = TimeSpan.FromSeconds(30) });
            _version = ParseVersion(result.StdOut);
        }

        return _version;
    }

    /// <summary>Installs the QEMU plugin when the installed Packer does not bundle the builder and lacks it.</summary>
    public async Task<string> EnsureQemuPluginAsync()
    {
        var version = await VersionAsync();
        if (version < FirstWithoutBundledQemu)
        {
            return $"Packer {version}: QEMU builder built in";
        }

        var options = new CommandOptions { Environment = Environment(), Timeout = TimeSpan.FromMinutes(5) };
        var installed = await runner.RunAsync(Executable, ["plugins", "installed"], options);
        if (installed.Succeeded && installed.StdOut.Contains("hashicorp/qemu", StringComparison.Ordinal))
        {
            return $"Packer {version}: QEMU plugin installed";
        }

        var install = await runner.RunAsync(Executable, ["plugins", "install", QemuPluginSource], options);
        if (!install.Succeeded)
        {
            throw new InvalidOperationException(
                $"Packer {version} needs the QEMU plugin and 'packer plugins install {QemuPluginSource}' failed: {FirstLine(install)}; install it by hand (needs network access) and run again");
        }

        return $"Packer {version}: installed the QEMU plugin";
    }

    public Task<CommandResult> ValidateAsync(string templateDirectory, IEnumerable<string> arguments) =>
        runner.RunAsync(Executable, ["validate", .. arguments, templateDirectory], new CommandOptions { Environment = Environment(), Timeout = TimeSpan.FromMinutes(2) });

    public Task<CommandResult> FmtCheckAsync(string directory) =>
        runner.RunAsync(Executable, ["fmt", "-check", directory], new CommandOptions { Environment = Environment(), Timeout = TimeSpan.FromMinutes(1) });

    private static string FirstLine(CommandResult result) =>
        result.OutputLines.FirstOrDefault() ?? $"exit code {result.ExitCode}";
}
