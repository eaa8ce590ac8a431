using GpuImageBuilder.Build.Services.Qemu;

namespace GpuImageBuilder.Build.Tests.Qemu;

/// <summary>SmokeBoot's user network: the smoke boot's arguments unchanged, a kept VM's hostfwd for SSH and guestfwd rules.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class SmokeBootArgumentsTests
{
    private static string Netdev(IReadOnlyList<string> args) => args[args.ToList().IndexOf("-netdev") + 1];

    [Test]
    public void The_smoke_boot_network_is_restricted_with_no_forwarding()
    {
        Assert.That(Netdev(SmokeBoot.QemuArguments("o", "s", "l", "tcg", "bios", sshPort: null)), Is.EqualTo("user,id=net0,restrict=on"));
    }

    [Test]
    public void A_kept_vm_gets_ssh_on_loopback_and_each_guest_forward()
    {
        var args = SmokeBoot.QemuArguments("o", "s", "l", "tcg", "bios", sshPort: 2222, guestForwards: ["tcp:10.0.2.100:5000-tcp:127.0.0.1:41234"]);
        Assert.That(Netdev(args), Is.EqualTo("user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22,guestfwd=tcp:10.0.2.100:5000-tcp:127.0.0.1:41234"));
    }
}
