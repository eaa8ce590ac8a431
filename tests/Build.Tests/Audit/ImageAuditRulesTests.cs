using GpuImageBuilder.Build.Services.Audit;

namespace GpuImageBuilder.Build.Tests.Audit;

/// <summary>The audit rules over fake extracted trees: one rule broken at a time, then several at once.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ImageAuditRulesTests
{
    // With 02's node policy expected, as for every real and fixture image: the fixture must pass it too.
    private static readonly AuditExpectations GpuReady = new(false, new Dictionary<string, string>(), GuestFixture.BuildUser)
    {
        KernelUpdatePolicyExpected = true,
        SandboxImage = GuestFixture.PauseImage,
    };

    private static readonly AuditExpectations Firmware1 = GpuReady with { FirmwareOptionExpected = true };

    private static IReadOnlyList<string> Check(GuestFixture tree, AuditExpectations? e = null, IReadOnlyList<InstalledPackage>? packages = null) =>
        ImageAuditRules.Check(tree.Root, e ?? GpuReady, packages ?? DpkgStatus.Parse(File.ReadAllText(tree.PathOf("/var/lib/dpkg/status"))));

    private static void AssertOnly(IReadOnlyList<string> violations, string startsWith, string contains)
    {
        Assert.That(violations, Has.Count.EqualTo(1), string.Join("\n", violations));
        Assert.That(violations[0], Does.StartWith(startsWith).And.Contain(contains));
    }

    [Test]
    public void A_clean_tree_passes()
    {
        using var tree = new GuestFixture();
        var violations = Check(tree);
        Assert.That(violations, Is.Empty, string.Join("\n", violations));
    }

    [Test]
    public void A_clean_firmware1_tree_passes()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/modprobe.d/nvidia-firmware.conf", "# 05-nvidia-firmware-config.sh\noptions nvidia NVreg_EnableGpuFirmware=1\n");
        var violations = Check(tree, Firmware1);
        Assert.That(violations, Is.Empty, string.Join("\n", violations));
    }

    [Test]
    public void The_firmware_option_is_reported_when_the_image_must_not_set_it()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/modprobe.d/nvidia-firmware.conf", "options nvidia NVreg_EnableGpuFirmware=1\n");
        AssertOnly(Check(tree, GpuReady), "/etc/modprobe.d/nvidia-firmware.conf:1: sets NVreg_EnableGpuFirmware", "must leave it unset");
    }

    [Test]
    public void The_firmware_option_is_reported_in_any_file_under_modprobe_d_when_the_image_must_not_set_it()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/modprobe.d/nvidia.conf.dpkg-old", "\noptions nvidia NVreg_EnableGpuFirmware=0\n");
        AssertOnly(Check(tree, GpuReady), "/etc/modprobe.d/nvidia.conf.dpkg-old:2: sets NVreg_EnableGpuFirmware", "NVreg_EnableGpuFirmware=0");
    }

    [Test]
    public void A_missing_firmware_option_is_reported_when_the_image_needs_it()
    {
        using var tree = new GuestFixture();
        AssertOnly(Check(tree, Firmware1), "/etc/modprobe.d: no *.conf has 'options nvidia NVreg_EnableGpuFirmware=1'", "must enable GPU firmware");
    }

    [Test]
    public void A_firmware_option_outside_a_conf_file_does_not_count()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/modprobe.d/nvidia-firmware.conf.disabled", "options nvidia NVreg_EnableGpuFirmware=1\n");
        AssertOnly(Check(tree, Firmware1), "/etc/modprobe.d: no *.conf has", "NVreg_EnableGpuFirmware=1");
    }

    [Test]
    public void A_contradicting_firmware_value_is_reported_when_the_image_needs_it()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/modprobe.d/nvidia-firmware.conf", "options nvidia NVreg_EnableGpuFirmware=1\n");
        tree.Write("/etc/modprobe.d/zz-override.conf", "options nvidia NVreg_OpenRmEnableUnsupportedGpus=1 NVreg_EnableGpuFirmware=0\n");
        AssertOnly(Check(tree, Firmware1), "/etc/modprobe.d/zz-override.conf:1: NVreg_EnableGpuFirmware=0 contradicts", "options nvidia NVreg_EnableGpuFirmware=1");
    }

    [Test]
    public void A_non_empty_machine_id_is_reported()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
        AssertOnly(Check(tree), "/etc/machine-id: not empty (33 bytes", "99-cleanup must truncate it");
    }

    [Test]
    public void A_missing_machine_id_is_reported()
    {
        using var tree = new GuestFixture();
        tree.Delete("/etc/machine-id");
        AssertOnly(Check(tree), "/etc/machine-id: missing", "must exist and be empty");
    }

    [Test]
    public void Each_ssh_host_key_is_reported_with_its_path()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/ssh/ssh_host_ed25519_key", "-----BEGIN OPENSSH PRIVATE KEY-----\n").Write("/etc/ssh/ssh_host_ed25519_key.pub", "ssh-ed25519 AAAA root@build\n");
        Assert.That(Check(tree), Is.EqualTo(new[]
        {
            "/etc/ssh/ssh_host_ed25519_key: SSH host key present (99-cleanup must remove host keys)",
            "/etc/ssh/ssh_host_ed25519_key.pub: SSH host key present (99-cleanup must remove host keys)",
        }));
    }

    [Test]
    public void The_build_user_is_reported()
    {
        using var tree = new GuestFixture();
        File.AppendAllText(tree.PathOf("/etc/passwd"), "packer:x:1001:1001:Packer:/var/lib/packer:/bin/bash\n");
        AssertOnly(Check(tree), "/etc/passwd:4: build user 'packer' present", "99-cleanup must delete it");
    }

    [Test]
    public void A_user_with_the_build_user_gecos_is_reported_whatever_its_name()
    {
        using var tree = new GuestFixture();
        File.AppendAllText(tree.PathOf("/etc/passwd"), "builder:x:1001:1001:Ephemeral image build user,,,:/var/lib/builder:/bin/bash\n");
        AssertOnly(Check(tree), "/etc/passwd:4: user 'builder' is an ephemeral image build user", "Ephemeral image build user");
    }

    [Test]
    public void The_build_users_home_and_sudo_rule_are_reported()
    {
        using var tree = new GuestFixture();
        tree.Write("/home/packer/.profile", "# ~/.profile\n");
        tree.Write("/etc/sudoers.d/90-cloud-init-users", "# Created by cloud-init\n\npacker ALL=(ALL) NOPASSWD:ALL\n");
        Assert.That(Check(tree), Is.EqualTo(new[]
        {
            "/etc/sudoers.d/90-cloud-init-users:3: sudo rule for the build user 'packer' (99-cleanup must remove it)",
            "/home/packer: home directory of the build user 'packer' present (99-cleanup must remove it)",
        }));
    }

    [TestCase("/root/.ssh/authorized_keys")]
    [TestCase("/home/ubuntu/.ssh/authorized_keys")]
    [TestCase("/home/ubuntu/.ssh/authorized_keys2")]
    public void Authorized_keys_with_content_are_reported(string path)
    {
        using var tree = new GuestFixture();
        tree.Write(path, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB packer-build\n");
        AssertOnly(Check(tree), path + ": authorized SSH keys present", "without login keys");
    }

    [Test]
    public void A_password_hash_in_shadow_is_reported_without_showing_it()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/shadow", "root:$6$salt$abcdefghijklmnop:19000:0:99999:7:::\nubuntu:!:19000:0:99999:7:::\n");
        var violations = Check(tree);
        AssertOnly(violations, "/etc/shadow:1: user 'root' has a password hash", "without passwords");
        Assert.That(violations[0], Does.Not.Contain("$6$"));
    }

    [Test]
    public void A_locked_password_hash_is_still_reported()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/shadow", "root:*:19000:0:99999:7:::\nubuntu:!$y$j9T$salt$hash:19000:0:99999:7:::\nlxd:!:19000::::::\n");
        AssertOnly(Check(tree), "/etc/shadow:2: user 'ubuntu' has a password hash (locked, but the hash is still there)", "without passwords");
    }

    [TestCase("/root/.bash_history")]
    [TestCase("/root/.python_history")]
    [TestCase("/home/ubuntu/.zsh_history")]
    [TestCase("/home/ubuntu/.ash_history")]
    public void Shell_history_with_content_is_reported(string path)
    {
        using var tree = new GuestFixture();
        tree.Write(path, "sudo apt-get install nvidia-driver-565-open\n");
        AssertOnly(Check(tree), path + ": shell history present (44 bytes", "99-cleanup must remove it");
    }

    [Test]
    public void A_missing_nouveau_blacklist_is_reported()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/modprobe.d/blacklist-nouveau.conf", "# blacklist nouveau\noptions nouveau modeset=0\n");
        AssertOnly(Check(tree), "/etc/modprobe.d: nouveau is not blacklisted", "'blacklist nouveau'");
    }

    [Test]
    public void A_swap_entry_in_fstab_is_reported()
    {
        using var tree = new GuestFixture();
        File.AppendAllText(tree.PathOf("/etc/fstab"), "/swap.img\tnone\tswap\tsw\t0\t0\n");
        AssertOnly(Check(tree), "/etc/fstab:3: swap entry for /swap.img", "without swap");
    }

    [TestCase("/swap.img")]
    [TestCase("/swapfile")]
    public void A_swap_file_is_reported(string path)
    {
        using var tree = new GuestFixture();
        tree.Write(path, "marker");
        AssertOnly(Check(tree), path + ": swap file present", "without swap");
    }

    [Test]
    public void Links_are_followed_inside_the_guest_tree_not_on_the_host()
    {
        using var tree = new GuestFixture();
        // /etc/fstab -> /etc/fstab.d/real: absolute, so only the guest's copy can answer.
        tree.Write("/etc/fstab.d/real", "/dev/vda2 none swap sw 0 0\n").Delete("/etc/fstab").Link("/etc/fstab", "/etc/fstab.d/real");
        AssertOnly(Check(tree), "/etc/fstab:1: swap entry for /dev/vda2", "without swap");
    }

    [Test]
    public void Every_violation_is_reported_not_just_the_first()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/machine-id", "abc\n")
            .Write("/etc/ssh/ssh_host_rsa_key", "key")
            .Write("/root/.bash_history", "ls\n")
            .Write("/home/ubuntu/.ssh/authorized_keys", "ssh-rsa AAAA x\n")
            .Write("/swap.img", "marker")
            .Write("/etc/modprobe.d/blacklist-nouveau.conf", string.Empty);
        File.AppendAllText(tree.PathOf("/etc/passwd"), "packer:x:1001:1001::/home/packer:/bin/bash\n");
        var pins = new Dictionary<string, string> { ["kubelet"] = "1.31.0-" };
        var violations = Check(tree, GpuReady with { PinnedPackages = pins });
        Assert.That(violations, Is.EqualTo(new[]
        {
            "/etc/modprobe.d: nouveau is not blacklisted (no 'blacklist nouveau' in any *.conf)",
            "/etc/machine-id: not empty (4 bytes; 99-cleanup must truncate it so every VM gets its own machine ID)",
            "/etc/ssh/ssh_host_rsa_key: SSH host key present (99-cleanup must remove host keys)",
            "/etc/passwd:4: build user 'packer' present (99-cleanup must delete it)",
            "/root/.bash_history: shell history present (3 bytes; 99-cleanup must remove it)",
            "/home/ubuntu/.ssh/authorized_keys: authorized SSH keys present (images must ship without login keys; cloud-init installs them at first boot)",
            "/swap.img: swap file present (GPU nodes run without swap; remove it)",
            "/var/lib/dpkg/status: kubelet is 1.30.14-1.1, expected 1.31.0-*",
        }));
    }

    [Test]
    public void A_pinned_package_at_its_version_and_held_passes()
    {
        using var tree = new GuestFixture();
        var violations = Check(tree, GpuReady with { PinnedPackages = new Dictionary<string, string> { ["kubelet"] = "1.30.14-" } });
        Assert.That(violations, Is.Empty, string.Join("\n", violations));
    }

    [Test]
    public void A_pinned_package_at_the_wrong_version_is_reported()
    {
        using var tree = new GuestFixture();
        var pins = new Dictionary<string, string> { ["kubelet"] = "1.30.1-" };
        AssertOnly(Check(tree, GpuReady with { PinnedPackages = pins }), "/var/lib/dpkg/status: kubelet is 1.30.14-1.1, expected 1.30.1-*", "1.30.1-*");
    }

    [Test]
    public void A_pinned_package_that_is_not_held_is_reported()
    {
        using var tree = new GuestFixture();
        var pins = new Dictionary<string, string> { ["bash"] = "5.1-" };
        AssertOnly(Check(tree, GpuReady with { PinnedPackages = pins }), "/var/lib/dpkg/status: bash 5.1-6ubuntu1.1 is not held", "apt-mark hold");
    }

    [Test]
    public void A_pinned_package_that_is_missing_is_reported()
    {
        using var tree = new GuestFixture();
        var pins = new Dictionary<string, string> { ["nvidia-driver-565-open"] = "565.57.01-", ["kubelet"] = "1.30.14-" };
        AssertOnly(Check(tree, GpuReady with { PinnedPackages = pins }), "/var/lib/dpkg/status: nvidia-driver-565-open is not installed", "expected 565.57.01-*, held");
    }

    [Test]
    public void A_pinned_package_at_the_wrong_version_and_not_held_gets_both_lines()
    {
        using var tree = new GuestFixture();
        var packages = new[] { new InstalledPackage("kubelet", "1.29.3-1.1", Held: false) };
        var pins = new Dictionary<string, string> { ["kubelet"] = "1.30.14-" };
        Assert.That(Check(tree, GpuReady with { PinnedPackages = pins }, packages), Is.EqualTo(new[]
        {
            "/var/lib/dpkg/status: kubelet is 1.29.3-1.1, expected 1.30.14-*",
            "/var/lib/dpkg/status: kubelet 1.29.3-1.1 is not held (apt-mark hold it so upgrades cannot move it)",
        }));
    }

    [Test]
    public void Pins_without_a_dpkg_database_are_reported_once()
    {
        using var tree = new GuestFixture();
        tree.Delete("/var/lib/dpkg/status");
        var pins = new Dictionary<string, string> { ["kubelet"] = "1.30.14-", ["kubeadm"] = "1.30.14-" };
        AssertOnly(Check(tree, GpuReady with { PinnedPackages = pins }, []), "/var/lib/dpkg/status: missing; cannot check the pinned packages (kubeadm, kubelet)", "kubelet");
    }
}
