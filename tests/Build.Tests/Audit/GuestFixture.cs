using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Tests.Audit;

/// <summary>
/// A small guest root file system in a temp folder, shaped like a finished Ubuntu 22.04 GPU image that passes the
/// audit (gpu-ready flavour: no firmware option, nouveau blacklisted, empty machine-id, no keys, no build user), with
/// 02's node policy: the kernel flavour's headers metapackage installed, linux-* kept out of unattended-upgrades, the
/// apt timers masked, containerd on <see cref="PauseImage"/>.
/// Tests break it one rule at a time; <see cref="BuildRawImageAsync"/> turns it into a real disk image.
/// </summary>
public sealed class GuestFixture : IDisposable
{
    public const string BuildUser = "packer";

    /// <summary>The sandbox image of the fixture's containerd config (kubeadm v1.30's).</summary>
    public const string PauseImage = "registry.k8s.io/pause:3.9";

    /// <summary>What 02 writes to keep linux-* out of unattended-upgrades.</summary>
    public const string KernelUpdatesDropIn = "/etc/apt/apt.conf.d/51gpu-image-kernel-updates";

    /// <summary>The Ubuntu fixture's packages: the base ones and the kernel (a release, its flavour and headers metapackages).</summary>
    public const string DpkgStatusText = BasePackagesText + UbuntuKernelPackagesText;

    public const string BasePackagesText = """
        Package: bash
        Essential: yes
        Status: install ok installed
        Priority: required
        Section: shells
        Installed-Size: 1864
        Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>
        Architecture: amd64
        Version: 5.1-6ubuntu1.1
        Description: GNU Bourne Again SHell
         Bash is an sh-compatible command language interpreter that executes
         commands read from the standard input or from a file.
         .
         Bash is ultimately intended to be a conformant implementation of the
         IEEE POSIX Shell and Tools specification (IEEE Working Group 1003.2).

        Package: kubelet
        Status: hold ok installed
        Priority: optional
        Section: misc
        Installed-Size: 74312
        Maintainer: Kubernetes Authors <dev@kubernetes.io>
        Architecture: amd64
        Version: 1.30.14-1.1
        Depends: iptables (>= 1.4.21), kubernetes-cni (>= 1.2.0), iproute2, socat, util-linux, mount, ethtool, conntrack
        Description: Node agent for Kubernetes clusters
         The node agent of Kubernetes, the container cluster manager.
        Homepage: https://kubernetes.io

        """;

    public const string UbuntuKernelPackagesText = """

        Package: linux-image-5.15.0-122-generic
        Status: install ok installed
        Architecture: amd64
        Version: 5.15.0-122.132
        Description: Signed kernel image generic

        Package: linux-image-generic
        Status: install ok installed
        Architecture: amd64
        Version: 5.15.0.122.122
        Depends: linux-image-5.15.0-122-generic, linux-modules-extra-5.15.0-122-generic, linux-firmware
        Description: Generic Linux kernel image

        Package: linux-headers-generic
        Status: install ok installed
        Architecture: amd64
        Version: 5.15.0.122.122
        Depends: linux-headers-5.15.0-122-generic
        Description: Generic Linux kernel headers

        """;

    public GuestFixture()
    {
        Directory.CreateDirectory(Root);
        foreach (var dir in new[] { "bin", "sbin", "lib", "usr/bin", "usr/sbin", "tmp", "var/tmp", "etc/ssh", "etc/sudoers.d", "root/.ssh", "home/ubuntu/.ssh" })
        {
            Directory.CreateDirectory(PathOf("/" + dir));
        }

        // What libguestfs inspection needs to recognise a Linux root (/etc, /bin or /usr/bin, /etc/fstab, os-release).
        Write("/etc/os-release", """
            PRETTY_NAME="Ubuntu 22.04.5 LTS"
            NAME="Ubuntu"
            VERSION_ID="22.04"
            VERSION="22.04.5 LTS (Jammy Jellyfish)"
            VERSION_CODENAME=jammy
            ID=ubuntu
            ID_LIKE=debian

            """);
        Write("/etc/debian_version", "bookworm/sid\n");
        Write("/etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.5 LTS\"\n");
        Write("/etc/hostname", "ubuntu\n");
        Write("/etc/fstab", "LABEL=cloudimg-rootfs\t/\text4\tdiscard,errors=remount-ro\t0 1\n#/swap.img\tnone\tswap\tsw\t0\t0\n");
        Write("/etc/machine-id", string.Empty);
        Write("/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\n");
        Write("/etc/passwd", """
            root:x:0:0:root:/root:/bin/bash
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
            ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash

            """);
        Write("/etc/shadow", """
            root:*:19000:0:99999:7:::
            daemon:*:19000:0:99999:7:::
            ubuntu:!:19000:0:99999:7:::

            """);
        Write("/etc/sudoers.d/README", "# Files in this directory are read by sudo.\n");
        Write("/etc/modprobe.d/blacklist-nouveau.conf", "# Written by 03-blacklist-nouveau.sh\nblacklist nouveau\noptions nouveau modeset=0\n");
        Write("/etc/modprobe.d/iwlwifi.conf", "# a comment about NVreg_EnableGpuFirmware is no setting\nremove iwlwifi (/sbin/modprobe -r mvm)\n");
        Write("/var/lib/dpkg/status", DpkgStatusText);

        // 02's kernel-update policy, beside the distribution's unattended-upgrades config (whose blacklist is empty).
        Write("/etc/apt/apt.conf.d/50unattended-upgrades", """
            Unattended-Upgrade::Allowed-Origins {
                "${distro_id}:${distro_codename}-security";
            };
            Unattended-Upgrade::Package-Blacklist {
                // "linux-";  (commented out: no entry)
            };

            """);
        Write(KernelUpdatesDropIn, """
            // Managed by gpu-image-builder (02-gpu-prerequisites.sh).
            Unattended-Upgrade::Package-Blacklist {
                "linux-";
            };

            """);
        Link("/etc/systemd/system/apt-daily.timer", "/dev/null");
        Link("/etc/systemd/system/apt-daily-upgrade.timer", "/dev/null");
        Link("/etc/systemd/system/multi-user.target.wants/containerd.service", "/lib/systemd/system/containerd.service");
        Write("/etc/containerd/config.toml", $$"""
            version = 2

            [plugins]
              [plugins."io.containerd.grpc.v1.cri"]
                # sandbox_image = "registry.k8s.io/pause:3.6"
                sandbox_image = "{{PauseImage}}"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                  SystemdCgroup = true

            """);
        Write("/root/.ssh/authorized_keys", string.Empty);
        Write("/root/.bashrc", "# ~/.bashrc\n");
        Write("/root/.bash_history", string.Empty);
        Write("/home/ubuntu/.ssh/authorized_keys", "# keys arrive from cloud-init at first boot\n");
        Write("/home/ubuntu/.profile", "# ~/.profile\n");
        Link("/etc/resolv.conf", "../run/systemd/resolve/stub-resolv.conf");
        Link("/etc/localtime", "/usr/share/zoneinfo/Etc/UTC");
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "gib-audit-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The host path of a guest path.</summary>
    public string PathOf(string guestPath) => Path.Combine(Root, guestPath.TrimStart('/'));

    public GuestFixture Write(string guestPath, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(guestPath))!);
        File.WriteAllText(PathOf(guestPath), content);
        return this;
    }

    public GuestFixture Link(string guestPath, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(guestPath))!);
        File.CreateSymbolicLink(PathOf(guestPath), target);
        return this;
    }

    public GuestFixture Delete(string guestPath)
    {
        File.Delete(PathOf(guestPath));
        return this;
    }

    /// <summary>
    /// A real GPT disk image of this tree: one Linux partition at 1 MiB holding an ext4 file system made from the
    /// folder (mkfs.ext4 -d, no appliance needed; well under a second). Bootless, but enough for libguestfs inspection.
    /// </summary>
    public async Task<string> BuildRawImageAsync(string image)
    {
        var runner = new CommandRunner();
        using (var file = File.Create(image))
        {
            file.SetLength(48L << 20);
        }

        await Run(runner, Sbin("sgdisk"), ["--clear", "--new=1:2048:0", "--typecode=1:8300", "--change-name=1:cloudimg-rootfs", image]);
        await Run(runner, Sbin("mkfs.ext4"), ["-q", "-F", "-L", "cloudimg-rootfs", "-E", "offset=1048576", "-d", Root, image, "40M"]);
        return image;
    }

    private static async Task Run(CommandRunner runner, string tool, string[] args)
    {
        var result = await runner.RunAsync(tool, args, new CommandOptions { Timeout = TimeSpan.FromMinutes(1) });
        Assert.That(result.Succeeded, Is.True, $"test setup: {result.Command} failed: {result.StdErr}{result.StdOut}");
    }

    /// <summary>sgdisk and mkfs live in /usr/sbin, which a non-root PATH may lack.</summary>
    private static string Sbin(string tool) =>
        CommandRunner.Which(tool) ?? new[] { "/usr/sbin/", "/sbin/" }.Select(d => d + tool).FirstOrDefault(File.Exists) ?? tool;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
