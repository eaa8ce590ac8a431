using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Qemu;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Qemu;

[TestFixture]
public sealed class AcceleratorProbeTests
{
    private static readonly AcceleratorProbe Probe = new(new CommandRunner());

    [TestCase("kvm")]
    [TestCase("tcg")]
    public async Task An_explicit_accelerator_is_used_as_given(string requested)
    {
        var choice = await Probe.ChooseAsync(requested);
        Assert.That(choice, Is.EqualTo(new AcceleratorChoice(requested, "requested with --accelerator")));
    }

    [Test]
    public async Task Auto_probes_with_a_real_test_boot()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var choice = await Probe.ChooseAsync("auto");
        Assert.That(choice.Accelerator, Is.AnyOf("kvm", "tcg"));
        if (!File.Exists("/dev/kvm"))
        {
            Assert.That(choice, Is.EqualTo(new AcceleratorChoice("tcg", "no /dev/kvm")));
        }
        else
        {
            // Either a KVM guest reached OVMF's boot manager, or the reason says why KVM was not used.
            Assert.That(choice.Reason, Does.Contain(choice.Accelerator == "kvm" ? "reached the firmware's boot manager" : "KVM").Or.Contain("/dev/kvm"));
        }

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(40)), "the probe is bounded");
    }

    [Test]
    public async Task The_probe_result_is_reused_within_one_boot_only()
    {
        if (!File.Exists("/proc/sys/kernel/random/boot_id"))
        {
            Assert.Ignore("no boot id on this system");
        }

        using var dir = new TempDir();
        var cache = dir.File("accelerator");
        var bootId = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        File.WriteAllText(cache, $"{bootId}\nkvm\nplanted by the test\n");
        var reused = await Probe.ChooseCachedAsync("auto", cache);
        Assert.That(reused, Is.EqualTo(new AcceleratorChoice("kvm", "planted by the test (probed earlier this boot)")));

        File.WriteAllText(cache, "another-boot\nkvm\nplanted by the test\n");
        var probed = await Probe.ChooseCachedAsync("auto", cache);
        Assert.That(probed.Reason, Does.Not.Contain("planted"));
        Assert.That(File.ReadAllLines(cache)[0], Is.EqualTo(bootId), "the new answer is remembered for this boot");
    }
}
