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
    public async Task Without_a_kvm_device_auto_is_tcg_and_says_so()
    {
        using var dir = new TempDir();
        var choice = await new AcceleratorProbe(new FakeQemu(_ => { }), dir.File("kvm")).ChooseAsync("auto");
        Assert.That(choice, Is.EqualTo(new AcceleratorChoice("tcg", $"no {dir.File("kvm")}")));
    }

    [Test]
    public async Task A_test_boot_that_reaches_the_boot_manager_means_kvm()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("kvm"), string.Empty);
        var qemu = new FakeQemu(serial => File.WriteAllText(serial, "BdsDxe: loading Boot0001\n"));
        var choice = await new AcceleratorProbe(qemu, dir.File("kvm")).ChooseAsync("auto", timeout: TimeSpan.FromSeconds(10));
        Assert.That(choice, Is.EqualTo(new AcceleratorChoice("kvm", "a KVM test boot reached the firmware's boot manager")));
        Assert.That(qemu.Arguments, Does.Contain("kvm").And.Contain("q35"), "the probe asks QEMU for KVM");
    }

    [Test]
    public async Task A_kvm_internal_error_means_tcg_with_the_error_as_the_reason()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("kvm"), string.Empty);
        var qemu = new FakeQemu(_ => { }, line: "KVM internal error. Suberror: 1");
        var choice = await new AcceleratorProbe(qemu, dir.File("kvm")).ChooseAsync("auto", timeout: TimeSpan.FromSeconds(10));
        Assert.That(choice, Is.EqualTo(new AcceleratorChoice("tcg", "KVM does not run guests here (KVM internal error. Suberror: 1)")));
    }

    [Test]
    public async Task The_real_probe_is_bounded_and_agrees_with_the_device()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var choice = await Probe.ChooseAsync("auto");
        if (!File.Exists("/dev/kvm"))
        {
            Assert.That(choice, Is.EqualTo(new AcceleratorChoice("tcg", "no /dev/kvm")));
        }

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(40)), "the probe is bounded");
    }

    /// <summary>Stands in for qemu-system-x86_64: writes the serial log, or prints a line, then runs until stopped.</summary>
    private sealed class FakeQemu(Action<string> writeSerial, string? line = null) : ICommandRunner
    {
        public List<string> Arguments { get; } = [];

        public async Task<CommandResult> RunAsync(string tool, IEnumerable<string> arguments, CommandOptions? options = null)
        {
            Arguments.AddRange(arguments);
            var serial = Arguments.Single(a => a.StartsWith("file:", StringComparison.Ordinal))["file:".Length..];
            writeSerial(serial);
            if (line is not null)
            {
                options!.OnLine!(line);
            }

            await Task.Delay(options!.Timeout, options.Cancellation);
            throw new CommandTimeoutException(tool, options.Timeout);
        }
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
