using System.Diagnostics;
using GpuImageBuilder.Build.Services;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Qemu;
using GpuImageBuilder.Build.Services.Vm;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Vm;

/// <summary>
/// A real QEMU guest that goes quiet: OVMF on a disk with nothing to boot tries every boot option, prints its
/// shell prompt and then waits for a key forever. The smoke boot must stop it at the stall time and say where it
/// stopped, with no QEMU left behind.
/// </summary>
[TestFixture]
[Category("Pipeline")]
public sealed class RealGuestStallTests
{
    [Test]
    public async Task A_real_guest_that_stops_writing_is_stopped_at_the_stall_time()
    {
        using var dir = new TempDir("gib-ovmf");
        var raw = dir.File("blank.raw");
        await using (var file = File.Create(raw))
        {
            file.SetLength(16 << 20);
        }

        var userData = dir.File("user-data");
        await File.WriteAllTextAsync(userData, "#cloud-config\n");
        var stall = TimeSpan.FromSeconds(20);
        var smoke = new SmokeBoot(new CommandRunner(), new ListLog()) { StallTimeout = stall };
        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<VmStalledException>(() =>
            smoke.RunAsync(raw, userData, dir.File("work"), "tcg", AcceleratorProbe.DefaultFirmware, TimeSpan.FromMinutes(15), CancellationToken.None));

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromMinutes(4)), "the stall time after OVMF went quiet, not the 15 min smoke timeout");
        Assert.That(ex!.Message, Does.StartWith("smoke boot stalled: no serial or progress output for 20s"));
        Assert.That(ex.LastLine, Is.Not.EqualTo("(nothing yet)"), "OVMF's last words are reported");
        Assert.That(ProcessReaper.FindMentioning(dir.Path), Is.Empty, "QEMU was stopped");
    }
}
