using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Images;

/// <summary>ConvertRaw's conversion and checks on real disks, and every bad input it must refuse.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class RawImageTests
{
    private static readonly RawImage Raw = new(new CommandRunner());

    [Test]
    public async Task A_good_qcow2_becomes_a_sparse_raw_that_passes_every_check()
    {
        using var dir = new TempDir();
        var qcow2 = await Disks.Qcow2FromRawAsync(await Disks.GptRawAsync(dir.File("src.raw")), dir.File("disk.qcow2"));
        var facts = await Raw.ConvertAsync(qcow2, dir.File("disk.raw"), Disks.Size);
        Assert.That(facts.VirtualSize, Is.EqualTo(Disks.Size));
        Assert.That(facts.EspPartition, Is.EqualTo("1"));
        Assert.That(facts.Partitions, Is.EqualTo(2));
        Assert.That(facts.AllocatedBytes, Is.GreaterThan(0).And.LessThan(Disks.Size / 4), "the raw must be sparse");
        Assert.That(File.Exists(dir.File("disk.raw.tmp")), Is.False);
        Assert.That(ImageHasher.Sha256(dir.File("disk.raw")), Is.EqualTo(ImageHasher.Sha256(dir.File("src.raw"))), "same bytes as the source disk");
    }

    [Test]
    public async Task A_corrupted_qcow2_is_refused_and_nothing_is_written()
    {
        using var dir = new TempDir();
        var qcow2 = await Disks.Qcow2FromRawAsync(await Disks.GptRawAsync(dir.File("src.raw")), dir.File("disk.qcow2"));
        // Overwrite the L1 table offset region with garbage: qemu-img check reports corruption or cannot open it.
        await using (var f = new FileStream(qcow2, FileMode.Open, FileAccess.Write))
        {
            f.Seek(40, SeekOrigin.Begin);
            await f.WriteAsync(new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 });
        }

        var ex = await Assert.ThrowsAsync<RawImageException>(() => Raw.ConvertAsync(qcow2, dir.File("disk.raw"), Disks.Size));
        Assert.That(ex!.Message, Does.Contain("disk.qcow2").And.Match("corrupted|not a readable qcow2"));
        Assert.That(Directory.GetFiles(dir.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "src.raw", "disk.qcow2" }));
    }

    [Test]
    public async Task A_truncated_qcow2_is_refused()
    {
        using var dir = new TempDir();
        var qcow2 = await Disks.Qcow2FromRawAsync(await Disks.GptRawAsync(dir.File("src.raw")), dir.File("disk.qcow2"));
        await using (var f = new FileStream(qcow2, FileMode.Open, FileAccess.Write))
        {
            f.SetLength(100);
        }

        var ex = await Assert.ThrowsAsync<RawImageException>(() => Raw.ConvertAsync(qcow2, dir.File("disk.raw"), Disks.Size));
        Assert.That(ex!.Message, Does.Contain("not a readable qcow2"));
        Assert.That(File.Exists(dir.File("disk.raw")), Is.False);
    }

    [Test]
    public async Task A_qcow2_of_the_wrong_virtual_size_is_refused()
    {
        using var dir = new TempDir();
        var qcow2 = await Disks.Qcow2FromRawAsync(await Disks.GptRawAsync(dir.File("src.raw")), dir.File("disk.qcow2"));
        var ex = await Assert.ThrowsAsync<RawImageException>(() => Raw.ConvertAsync(qcow2, dir.File("disk.raw"), 2 * Disks.Size));
        Assert.That(ex!.Message, Does.Contain("virtual size of 67108864 bytes, not the configured 134217728 (--disk-size)"));
    }

    [Test]
    public async Task A_truncated_raw_is_refused()
    {
        using var dir = new TempDir();
        var raw = await Disks.GptRawAsync(dir.File("disk.raw"));
        await using (var f = new FileStream(raw, FileMode.Open, FileAccess.Write))
        {
            f.SetLength(Disks.Size / 2);
        }

        var ex = Assert.Throws<RawImageException>(() => RawImage.Inspect(raw, Disks.Size));
        Assert.That(ex!.Message, Does.Contain("is 33554432 bytes, not the configured 67108864").And.Contain("truncated"));
    }

    [Test]
    public async Task A_raw_without_the_boot_signature_is_refused()
    {
        using var dir = new TempDir();
        var raw = await Disks.GptRawAsync(dir.File("disk.raw"));
        await using (var f = new FileStream(raw, FileMode.Open, FileAccess.Write))
        {
            f.Seek(510, SeekOrigin.Begin);
            await f.WriteAsync(new byte[] { 0, 0 });
        }

        var ex = Assert.Throws<RawImageException>(() => RawImage.Inspect(raw, Disks.Size));
        Assert.That(ex!.Message, Does.Contain("no boot signature 55 AA at bytes 510-511 (found 00 00)"));
    }

    [Test]
    public async Task A_qcow2_file_passed_off_as_raw_is_refused()
    {
        using var dir = new TempDir();
        var qcow2 = await Disks.Qcow2FromRawAsync(await Disks.GptRawAsync(dir.File("src.raw")), dir.File("disk.qcow2"));
        var ex = Assert.Throws<RawImageException>(() => RawImage.Inspect(qcow2, new FileInfo(qcow2).Length));
        Assert.That(ex!.Message, Does.Contain("no boot signature"));
    }

    [Test]
    public async Task A_disk_without_an_EFI_system_partition_is_refused()
    {
        using var dir = new TempDir();
        var raw = await Disks.GptRawAsync(dir.File("disk.raw"), esp: false);
        var ex = Assert.Throws<RawImageException>(() => RawImage.Inspect(raw, Disks.Size));
        Assert.That(ex!.Message, Does.Contain("no EFI system partition"));
    }

    [Test]
    public async Task A_full_disk_fails_the_conversion_cleanly()
    {
        if (Environment.UserName != "root")
        {
            Assert.Ignore("needs root to mount a small tmpfs");
        }

        using var dir = new TempDir();
        var qcow2 = await Disks.Qcow2FromRawAsync(await Disks.GptRawAsync(dir.File("src.raw")), dir.File("disk.qcow2"));
        var small = Directory.CreateDirectory(dir.File("small")).FullName;
        await Disks.Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small);
        try
        {
            var ex = await Assert.ThrowsAsync<RawImageException>(() => Raw.ConvertAsync(qcow2, Path.Combine(small, "disk.raw"), Disks.Size));
            Assert.That(ex!.Message, Does.Contain("qemu-img convert").And.Contain("No space left on device"));
            Assert.That(Directory.GetFiles(small), Is.Empty, "no half-written raw or temporary file");
        }
        finally
        {
            await Disks.Run("umount", small);
        }
    }
}
