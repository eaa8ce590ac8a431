using GpuImageBuilder.Build.Services.Audit;

namespace GpuImageBuilder.Build.Tests.Audit;

/// <summary>
/// The node policy rules (issue 11): kernel updates cannot strand the driver, the image does not update itself,
/// containerd uses kubeadm's pause image, HGX systems get the fabric manager at the driver's version. One rule broken
/// at a time on the <see cref="GuestFixture"/> tree, which passes them all.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class NodePolicyRulesTests
{
    private const string Driver = "565.57.01";

    private static readonly AuditExpectations Node = new(false, new Dictionary<string, string>(), GuestFixture.BuildUser)
    {
        KernelUpdatePolicyExpected = true,
        SandboxImage = GuestFixture.PauseImage,
    };

    /// <summary>An nvidia-firmware1 image with the fabric manager (its version is a pin, as ImageRequest makes it).</summary>
    private static readonly AuditExpectations Hgx = Node with
    {
        FirmwareOptionExpected = true,
        PinnedPackages = new Dictionary<string, string> { ["nvidia-fabricmanager-565"] = Driver + "-" },
        NvidiaDriverVersion = Driver,
        FabricManagerExpected = true,
    };

    private const string HgxPackages = """

        Package: nvidia-fabricmanager-565
        Status: hold ok installed
        Version: 565.57.01-1

        Package: nvidia-compute-utils-565
        Status: hold ok installed
        Version: 565.57.01-0ubuntu1

        """;

    private static IReadOnlyList<string> Check(GuestFixture tree, AuditExpectations? e = null) =>
        ImageAuditRules.Check(tree.Root, e ?? Node, DpkgStatus.Parse(File.ReadAllText(tree.PathOf("/var/lib/dpkg/status"))));

    private static NodePolicy Read(GuestFixture tree) =>
        NodePolicy.Read(tree.Root, DpkgStatus.Parse(File.ReadAllText(tree.PathOf("/var/lib/dpkg/status"))));

    private static void AssertOnly(IReadOnlyList<string> violations, string startsWith, string contains)
    {
        Assert.That(violations, Has.Count.EqualTo(1), string.Join("\n", violations));
        Assert.That(violations[0], Does.StartWith(startsWith).And.Contain(contains));
    }

    private static GuestFixture HgxTree()
    {
        var tree = new GuestFixture();
        tree.Write("/etc/modprobe.d/nvidia-firmware.conf", "options nvidia NVreg_EnableGpuFirmware=1\n")
            .Write("/var/lib/dpkg/status", GuestFixture.DpkgStatusText + HgxPackages)
            .Link("/etc/systemd/system/multi-user.target.wants/nvidia-fabricmanager.service", "/lib/systemd/system/nvidia-fabricmanager.service")
            .Link("/etc/systemd/system/multi-user.target.wants/nvidia-persistenced.service", "/lib/systemd/system/nvidia-persistenced.service");
        return tree;
    }

    [Test]
    public void The_fixture_tree_carries_the_policy_it_is_read_for()
    {
        using var tree = new GuestFixture();
        var policy = Read(tree);
        Assert.That(policy.KernelFlavours, Is.EqualTo(new[] { new KernelFlavour("linux-image-generic", "linux-headers-generic", HeadersInstalled: true, Held: false) }));
        Assert.That(policy.UnattendedUpgradeBlacklist, Is.EqualTo(new[] { "linux-" }), "the commented-out entry of 50unattended-upgrades is no entry");
        Assert.That(policy.KernelBlacklisted, Is.True);
        Assert.That(policy.MaskedAptTimers, Is.EqualTo(NodePolicy.AptTimers));
        Assert.That(policy.SandboxImage, Is.EqualTo(GuestFixture.PauseImage), "the commented-out pause:3.6 line is not the setting");
        Assert.That(policy.SystemdCgroup, Is.True);
        Assert.That(policy.FabricManager, Is.Null);
        Assert.That(policy.EnabledNvidiaServices, Is.Empty);
        Assert.That(Check(tree), Is.Empty);
    }

    [Test]
    public void A_kernel_flavour_without_its_headers_metapackage_is_reported()
    {
        using var tree = new GuestFixture();
        tree.Write("/var/lib/dpkg/status", GuestFixture.DpkgStatusText.Replace("Package: linux-headers-generic\nStatus: install ok installed", "Package: linux-headers-generic\nStatus: deinstall ok config-files", StringComparison.Ordinal));
        AssertOnly(Check(tree), "/var/lib/dpkg/status: linux-image-generic is neither held nor accompanied by linux-headers-generic", "DKMS could not build");
    }

    [Test]
    public void A_held_kernel_metapackage_needs_no_headers_metapackage()
    {
        using var tree = new GuestFixture();
        tree.Write("/var/lib/dpkg/status", GuestFixture.DpkgStatusText
            .Replace("Package: linux-headers-generic\nStatus: install ok installed", "Package: linux-headers-generic\nStatus: deinstall ok config-files", StringComparison.Ordinal)
            .Replace("Package: linux-image-generic\nStatus: install ok installed", "Package: linux-image-generic\nStatus: hold ok installed", StringComparison.Ordinal));
        Assert.That(Read(tree).KernelFlavours, Is.EqualTo(new[] { new KernelFlavour("linux-image-generic", "linux-headers-generic", HeadersInstalled: false, Held: true) }));
        Assert.That(Check(tree), Is.Empty);
    }

    [Test]
    public void The_Debian_fixture_flavour_is_judged_by_its_own_headers_metapackage()
    {
        // The CI fixture's base is Debian bookworm's cloud kernel (tests/fixture/build-base-image.sh installs
        // linux-image-cloud-amd64): 02 installs linux-headers-cloud-amd64 for it. Releases (a digit after
        // linux-image-) and the -unsigned variant are no flavours.
        const string debian = """

            Package: linux-image-cloud-amd64
            Status: install ok installed
            Version: 6.1.123-1

            Package: linux-image-6.1.0-30-cloud-amd64
            Status: install ok installed
            Version: 6.1.123-1

            Package: linux-image-6.1.0-30-cloud-amd64-unsigned
            Status: install ok installed
            Version: 6.1.123-1

            """;
        using var tree = new GuestFixture();
        tree.Write("/var/lib/dpkg/status", GuestFixture.BasePackagesText + debian);
        AssertOnly(Check(tree), "/var/lib/dpkg/status: linux-image-cloud-amd64 is neither held nor accompanied by linux-headers-cloud-amd64", "02 installs the headers metapackage");

        tree.Write("/var/lib/dpkg/status", GuestFixture.BasePackagesText + debian + "\nPackage: linux-headers-cloud-amd64\nStatus: install ok installed\nVersion: 6.1.123-1\n");
        Assert.That(Read(tree).KernelFlavours.Select(f => f.Metapackage), Is.EqualTo(new[] { "linux-image-cloud-amd64" }));
        Assert.That(Check(tree), Is.Empty);
    }

    [Test]
    public void Kernel_packages_left_to_unattended_upgrades_are_reported()
    {
        using var tree = new GuestFixture();
        tree.Delete(GuestFixture.KernelUpdatesDropIn);
        AssertOnly(Check(tree), "/etc/apt/apt.conf.d: no Unattended-Upgrade::Package-Blacklist entry keeps linux-*", "found none");
    }

    [Test]
    public void A_blacklist_entry_that_misses_the_headers_does_not_count()
    {
        using var tree = new GuestFixture();
        tree.Write(GuestFixture.KernelUpdatesDropIn, "Unattended-Upgrade::Package-Blacklist { \"linux-image-\"; };\n");
        AssertOnly(Check(tree), "/etc/apt/apt.conf.d: no Unattended-Upgrade::Package-Blacklist entry", "found 'linux-image-'");
    }

    [Test]
    public void A_blacklist_in_list_item_syntax_counts()
    {
        using var tree = new GuestFixture();
        tree.Delete(GuestFixture.KernelUpdatesDropIn).Write("/etc/apt/apt.conf.d/52kernel", "unattended-upgrade::package-blacklist:: \"linux-.*\";\n");
        Assert.That(Check(tree), Is.Empty);
    }

    [Test]
    public void A_blacklist_in_a_file_apt_does_not_read_does_not_count()
    {
        using var tree = new GuestFixture();
        tree.Delete(GuestFixture.KernelUpdatesDropIn).Write(GuestFixture.KernelUpdatesDropIn + ".dpkg-old", "Unattended-Upgrade::Package-Blacklist { \"linux-\"; };\n");
        AssertOnly(Check(tree), "/etc/apt/apt.conf.d: no Unattended-Upgrade::Package-Blacklist entry", "found none");
    }

    [Test]
    public void An_apt_timer_that_is_not_masked_is_reported()
    {
        using var tree = new GuestFixture();
        // Disabled only (no link at all): an operator's systemctl enable brings it back, and with it apt upgrades.
        tree.Delete("/etc/systemd/system/apt-daily-upgrade.timer");
        AssertOnly(Check(tree), "/etc/systemd/system/apt-daily-upgrade.timer: not masked", "02 disables and masks it");
    }

    [Test]
    public void An_apt_timer_linked_elsewhere_is_not_masked()
    {
        using var tree = new GuestFixture();
        tree.Delete("/etc/systemd/system/apt-daily.timer").Link("/etc/systemd/system/apt-daily.timer", "/lib/systemd/system/apt-daily.timer");
        AssertOnly(Check(tree), "/etc/systemd/system/apt-daily.timer: not masked", "no link to /dev/null");
    }

    [Test]
    public void The_kernel_update_policy_is_not_checked_where_the_image_does_not_run_02()
    {
        using var tree = new GuestFixture();
        tree.Delete(GuestFixture.KernelUpdatesDropIn).Delete("/etc/systemd/system/apt-daily.timer").Delete("/etc/containerd/config.toml");
        Assert.That(Check(tree, new AuditExpectations(false, new Dictionary<string, string>(), GuestFixture.BuildUser)), Is.Empty);
    }

    [Test]
    public void A_sandbox_image_other_than_the_kubernetes_minors_pause_image_is_reported()
    {
        using var tree = new GuestFixture();
        AssertOnly(Check(tree, Node with { SandboxImage = "registry.k8s.io/pause:3.10" }),
            "/etc/containerd/config.toml: sandbox_image is \"registry.k8s.io/pause:3.9\", expected \"registry.k8s.io/pause:3.10\"", "kubeadm");
    }

    [Test]
    public void Containerds_default_sandbox_image_is_reported()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/containerd/config.toml", "version = 2\n    sandbox_image = \"registry.k8s.io/pause:3.6\"\n    SystemdCgroup = true\n");
        AssertOnly(Check(tree), "/etc/containerd/config.toml: sandbox_image is \"registry.k8s.io/pause:3.6\"", "expected \"registry.k8s.io/pause:3.9\"");
    }

    [Test]
    public void A_containerd_config_without_sandbox_image_or_systemd_cgroup_is_reported()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/containerd/config.toml", "version = 2\n# sandbox_image = \"registry.k8s.io/pause:3.9\"\nSystemdCgroup = false\n");
        var violations = Check(tree);
        Assert.That(violations, Is.EqualTo(new[]
        {
            "/etc/containerd/config.toml: no sandbox_image setting (expected \"registry.k8s.io/pause:3.9\", the pause image kubeadm of the chosen Kubernetes version expects)",
            "/etc/containerd/config.toml: no 'SystemdCgroup = true' (kubelet uses the systemd cgroup driver; containerd must too)",
        }));
    }

    [Test]
    public void A_missing_containerd_config_is_reported()
    {
        using var tree = new GuestFixture();
        tree.Delete("/etc/containerd/config.toml");
        AssertOnly(Check(tree), "/etc/containerd/config.toml: missing", "sandbox_image = \"registry.k8s.io/pause:3.9\"");
    }

    [Test]
    public void An_hgx_image_with_fabric_manager_and_persistenced_enabled_passes()
    {
        using var tree = HgxTree();
        var policy = Read(tree);
        Assert.That(policy.FabricManager, Is.EqualTo(new InstalledPackage("nvidia-fabricmanager-565", "565.57.01-1", Held: true)));
        Assert.That(policy.Persistenced?.Name, Is.EqualTo("nvidia-compute-utils-565"));
        Assert.That(policy.EnabledNvidiaServices, Is.EqualTo(new[] { NodePolicy.FabricManagerService, NodePolicy.PersistencedService }));
        Assert.That(Check(tree, Hgx), Is.Empty);
    }

    [Test]
    public void A_missing_fabric_manager_is_reported_when_it_is_expected()
    {
        using var tree = HgxTree();
        tree.Write("/var/lib/dpkg/status", File.ReadAllText(tree.PathOf("/var/lib/dpkg/status")).Replace("Package: nvidia-fabricmanager-565", "Package: nvidia-fabricmanager-dummy", StringComparison.Ordinal));
        AssertOnly(Check(tree, Hgx), "/var/lib/dpkg/status: nvidia-fabricmanager-565 is not installed", "expected 565.57.01-*");
    }

    [Test]
    public void A_fabric_manager_at_another_version_than_the_driver_is_reported()
    {
        using var tree = HgxTree();
        tree.Write("/var/lib/dpkg/status", File.ReadAllText(tree.PathOf("/var/lib/dpkg/status")).Replace("Version: 565.57.01-1", "Version: 565.77-1", StringComparison.Ordinal));
        AssertOnly(Check(tree, Hgx), "/var/lib/dpkg/status: nvidia-fabricmanager-565 is 565.77-1, expected 565.57.01-*", string.Empty);

        // Also where it was not asked for: a fabric manager that differs from the driver breaks CUDA all the same.
        AssertOnly(Check(tree, Hgx with { FabricManagerExpected = false, PinnedPackages = new Dictionary<string, string>() }),
            "/var/lib/dpkg/status: nvidia-fabricmanager-565 is 565.77-1, but the driver is 565.57.01", "NVSwitch");
    }

    [Test]
    public void Persistenced_and_the_units_are_reported_when_missing()
    {
        using var tree = HgxTree();
        tree.Write("/var/lib/dpkg/status", File.ReadAllText(tree.PathOf("/var/lib/dpkg/status")).Replace("Package: nvidia-compute-utils-565", "Package: nvidia-kernel-common-565", StringComparison.Ordinal))
            .Delete("/etc/systemd/system/multi-user.target.wants/nvidia-fabricmanager.service");
        var violations = Check(tree, Hgx);
        Assert.That(violations, Has.Count.EqualTo(2), string.Join("\n", violations));
        Assert.That(violations[0], Does.StartWith("/var/lib/dpkg/status: neither nvidia-persistenced nor nvidia-compute-utils-<branch> is installed"));
        Assert.That(violations[1], Does.StartWith("/etc/systemd/system: nvidia-fabricmanager.service is not enabled"));
    }

    [Test]
    public void No_fabric_manager_is_fine_when_it_was_left_out()
    {
        using var tree = new GuestFixture();
        tree.Write("/etc/modprobe.d/nvidia-firmware.conf", "options nvidia NVreg_EnableGpuFirmware=1\n");
        Assert.That(Check(tree, Hgx with { FabricManagerExpected = false, PinnedPackages = new Dictionary<string, string>() }), Is.Empty);
    }
}
