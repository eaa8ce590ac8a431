using GpuImageBuilder.Build.Services.Packer;
using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Services.Images;

/// <summary>Versions of the tools that shape an image, for the manifest.</summary>
public sealed class ToolVersions(ICommandRunner runner, PackerTool packer)
{
    private IReadOnlyDictionary<string, string>? _versions;

    public async Task<IReadOnlyDictionary<string, string>> GetAsync()
    {
        if (_versions is not null)
        {
            return _versions;
        }

        var qemuImg = await runner.RunAsync("qemu-img", ["--version"], new CommandOptions { Timeout = TimeSpan.FromSeconds(30) });
        _versions = new Dictionary<string, string>
        {
            ["packer"] = (await packer.VersionAsync()).ToString(),
            ["qemu-img"] = PackerTool.ParseVersion(qemuImg.StdOut).ToString(),
            ["dotnet"] = Environment.Version.ToString(),
        };
        return _versions;
    }
}
