using GpuImageBuilder.Build.Services.Audit;

namespace GpuImageBuilder.Build.Tests.Audit;

[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class DpkgStatusTests
{
    // Shaped like a real Ubuntu 22.04 /var/lib/dpkg/status: held and plain installs, a removed package that kept its
    // configuration, a purged one, a half-installed one, multi-line descriptions and conffiles.
    private const string Status = """
        Package: containerd
        Status: install ok installed
        Priority: optional
        Section: admin
        Installed-Size: 173052
        Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>
        Architecture: amd64
        Version: 1.7.24-0ubuntu1~22.04.1
        Depends: libc6 (>= 2.34), libseccomp2 (>= 2.5.0), runc (>= 1.1.0)
        Conffiles:
         /etc/containerd/config.toml 5e6d1a2e5c8b2a7a0f3f6c1b6f1e2d3c
        Description: daemon to control runC
         Containerd is a daemon to control runC, built for performance and density.
         .
         Status: hold ok installed
         Package: not-a-package

        Package: kubelet
        Status: hold ok installed
        Priority: optional
        Section: misc
        Maintainer: Kubernetes Authors <dev@kubernetes.io>
        Architecture: amd64
        Version: 1.30.14-1.1
        Description: Node agent for Kubernetes clusters

        Package: nvidia-driver-565-open
        Status: hold ok installed
        Architecture: amd64
        Source: nvidia-graphics-drivers-565
        Version: 565.57.01-0ubuntu0.22.04.4
        Description: NVIDIA driver (open kernel) metapackage
         This metapackage depends on the NVIDIA binary driver and libraries.

        Package: snapd
        Status: deinstall ok config-files
        Architecture: amd64
        Version: 2.66.1+22.04
        Conffiles:
         /etc/apparmor.d/usr.lib.snapd.snap-confine.real 0a5c3f0e1e0b7d1f8e2a8b9f3c2d1e0f

        Package: ufw
        Status: purge ok not-installed
        Architecture: all

        Package: linux-headers-5.15.0-127-generic
        Status: install reinstreq half-installed
        Architecture: amd64
        Version: 5.15.0-127.137
        """;

    [Test]
    public void Installed_packages_are_read_with_version_and_hold()
    {
        Assert.That(DpkgStatus.Parse(Status), Is.EqualTo(new[]
        {
            new InstalledPackage("containerd", "1.7.24-0ubuntu1~22.04.1", Held: false),
            new InstalledPackage("kubelet", "1.30.14-1.1", Held: true),
            new InstalledPackage("nvidia-driver-565-open", "565.57.01-0ubuntu0.22.04.4", Held: true),
        }));
    }

    [Test]
    public void Crlf_line_ends_and_a_missing_final_blank_line_are_accepted()
    {
        var packages = DpkgStatus.Parse("Package: a\r\nStatus: install ok installed\r\nVersion: 1\r\n\r\nPackage: b\r\nVersion: 2\r\nStatus: hold ok installed");
        Assert.That(packages, Is.EqualTo(new[] { new InstalledPackage("a", "1", false), new InstalledPackage("b", "2", true) }));
    }

    [Test]
    public void An_empty_database_has_no_packages()
    {
        Assert.That(DpkgStatus.Parse(string.Empty), Is.Empty);
    }
}
