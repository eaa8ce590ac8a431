using GpuImageBuilder.Build.Services.Packer;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Packer;

/// <summary>
/// Packer ≥ 1.10 needs the QEMU plugin; 1.6.6 (the one installed here) has the builder built in. The real 1.6.6 is
/// tested as it is; newer Packer cannot be installed on this machine (no HashiCorp downloads), so its side is tested
/// against a stand-in executable that answers like it and records what the build asks of it.
/// </summary>
[TestFixture]
public sealed class PackerToolTests
{
    [TestCase("Packer v1.6.6", "1.6.6")]
    [TestCase("Packer v1.11.2\n\nYour version of Packer is out of date!", "1.11.2")]
    [TestCase("1.10.0", "1.10.0")]
    public void Versions_are_read_from_packer_version(string output, string expected)
    {
        Assert.That(PackerTool.ParseVersion(output), Is.EqualTo(Version.Parse(expected)));
    }

    [Test]
    public async Task The_installed_packer_needs_no_plugin_when_it_bundles_qemu()
    {
        var tool = new PackerTool(new CommandRunner());
        var version = await tool.VersionAsync();
        var message = await tool.EnsureQemuPluginAsync();
        Assert.That(message, version < PackerTool.FirstWithoutBundledQemu ? Does.Contain("built in") : Does.Contain("QEMU plugin"));
    }

    [TestCase(false, "installed the QEMU plugin", true)]
    [TestCase(true, "QEMU plugin installed", false)]
    public async Task Newer_packer_gets_the_qemu_plugin_installed_once(bool alreadyInstalled, string expected, bool expectInstall)
    {
        using var dir = new TempDir();
        var log = dir.File("calls");
        var fake = dir.File("packer");
        await File.WriteAllTextAsync(fake, $$"""
            #!/usr/bin/env bash
            echo "$*" >> '{{log}}'
            case "$1 ${2:-}" in
              "version ") echo "Packer v1.11.2" ;;
              "plugins installed") {{(alreadyInstalled ? "echo /root/.config/packer/plugins/github.com/hashicorp/qemu/packer-plugin-qemu_v1.1.0_x5.0_linux_amd64" : "true")}} ;;
              "plugins install") echo "Installed plugin github.com/hashicorp/qemu v1.1.0" ;;
              *) exit 3 ;;
            esac
            """);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var message = await new PackerTool(new CommandRunner()) { Executable = fake }.EnsureQemuPluginAsync();
        Assert.That(message, Is.EqualTo($"Packer 1.11.2: {expected}"));
        var calls = await File.ReadAllLinesAsync(log);
        Assert.That(calls.Contains($"plugins install {PackerTool.QemuPluginSource}"), Is.EqualTo(expectInstall), string.Join("\n", calls));
    }

    [Test]
    public async Task A_failed_plugin_install_says_what_to_do()
    {
        using var dir = new TempDir();
        var fake = dir.File("packer");
        await File.WriteAllTextAsync(fake, """
            #!/usr/bin/env bash
            case "$1 ${2:-}" in
              "version ") echo "Packer v1.12.0" ;;
              "plugins installed") true ;;
              *) echo "Error: failed to get source: dial tcp: lookup api.github.com: no such host" >&2; exit 1 ;;
            esac
            """);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => new PackerTool(new CommandRunner()) { Executable = fake }.EnsureQemuPluginAsync());
        Assert.That((await ex)!.Message, Does.Contain("Packer 1.12.0 needs the QEMU plugin").And.Contain("no such host").And.Contain("install it by hand"));
    }
}
