using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Services.Packer;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Steps;
using GpuImageBuilder.Build.Tests.Infrastructure;
using GpuImageBuilder.Build.Tests.Steps;

namespace GpuImageBuilder.Build.Tests.Packer;

/// <summary>How a failed Packer build is reported: the step it failed at, the cause, and only files that exist.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class PackerBuilderTests
{
    [TestCase(false, Description = "failed before QEMU started: no serial log to point at")]
    [TestCase(true, Description = "QEMU wrote a serial log: the error points at it")]
    public async Task A_failed_build_names_its_step_its_cause_and_the_serial_log_only_where_it_exists(bool serialLogWritten)
    {
        using var dir = new TempDir();
        var fake = dir.File("packer");
        await File.WriteAllTextAsync(fake, """
            #!/usr/bin/env bash
            case "$1" in
              version) echo "Packer v1.6.6" ;;
              build) echo "==> qemu.gpu-image: Retrieving ISO"; echo "Build 'qemu.gpu-image' errored after 1 second: dial tcp: lookup cloud-images.ubuntu.com: no such host"; exit 1 ;;
              *) exit 3 ;;
            esac
            """);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var paths = new ArtifactPaths(dir.File("output"));
        var assets = new AssetPaths(RepoPaths.Root);
        var parameters = StepFixtures.Parameters();
        var plan = new BuildPlanner(parameters, StepFixtures.Catalog(), assets, paths).Plan(StepFixtures.Catalog()["gpu-ready"]);
        var run = plan.In(dir.File("scratch"), "tcg");
        if (serialLogWritten)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(run.SerialLog)!);
            await File.WriteAllTextAsync(run.SerialLog!, "BdsDxe: loading\n");
        }

        var runner = new CommandRunner();
        var log = new ListLog();
        var ex = await Assert.ThrowsAsync<PackerBuildException>(() =>
            new PackerBuilder(runner, new PackerTool(runner) { Executable = fake }, log).BuildAsync(run, parameters, assets, dir.File("cache"), CancellationToken.None));
        Assert.That(ex!.Message, Does.StartWith("Packer build of gpu-ready failed at 'Retrieving ISO': Build 'qemu.gpu-image' errored"));
        Assert.That(ex.Message.Contains(run.SerialLog!, StringComparison.Ordinal), Is.EqualTo(serialLogWritten), ex.Message);
        Assert.That(log.Lines.Where(l => l.StartsWith("info: [gpu-ready ", StringComparison.Ordinal) && l.EndsWith("] Retrieving ISO", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(1), "each Packer step is progress: " + log);
    }
}
