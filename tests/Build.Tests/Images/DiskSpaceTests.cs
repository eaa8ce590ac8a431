using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Images;

/// <summary>A build that cannot fit stops before Packer starts, with one line saying how much is free and needed.</summary>
[TestFixture]
public sealed class DiskSpaceTests
{
    [Test]
    public void Needs_a_qcow2_and_a_raw_per_image_and_reports_both_figures_when_short()
    {
        Assert.That(DiskSpace.NeededForImages(2, 3L << 30), Is.EqualTo(12L << 30));
        Assert.That(DiskSpace.Shortfall("/out", 12L << 30, 12L << 30, "x"), Is.Null);
        Assert.That(DiskSpace.Shortfall("/out", 12L << 30, 5L << 29, "building 2 images"),
            Is.EqualTo("not enough disk space in /out: 2.5 GiB free, building 2 images needs up to 12 GiB; free some space (an old output/ci or output/<image> is the usual culprit) or point --output-dir at a larger disk"));
    }

    [Test]
    public void Free_space_is_read_from_the_nearest_existing_folder()
    {
        using var dir = new TempDir();
        Assert.That(DiskSpace.FreeBytes(dir.File("not/yet/made")), Is.EqualTo(new DriveInfo(dir.Path).AvailableFreeSpace).Within(64L << 20));
    }

    [Test]
    public async Task BuildQcow2_on_a_full_disk_fails_before_any_task_runs()
    {
        if (Environment.UserName != "root")
        {
            Assert.Ignore("needs root to mount a small tmpfs");
        }

        using var host = new HostRunner();
        var small = Directory.CreateDirectory(host.PathOf("small")).FullName;
        await Disks.Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small);
        try
        {
            var result = host.Run("--target=BuildQcow2", "--image=gpu-ready", "--disk-size=3G", $"--output-dir={small}");
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Output, Does.Contain($"not enough disk space in {small}: 0 GiB free, building 1 image of 3 GiB (a qcow2 and a raw each) needs up to 6 GiB"));
        }
        finally
        {
            await Disks.Run("umount", small);
        }
    }
}
