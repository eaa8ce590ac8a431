using System.Formats.Tar;
using System.Text;
using GpuImageBuilder.Build.Services.Audit;

namespace GpuImageBuilder.Build.Tests.Audit;

/// <summary>The host copy of a guest's files: links stay links, nothing lands or is read outside the copy.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class GuestTreeTests
{
    [Test]
    public void A_tar_out_archive_is_unpacked_without_writing_outside_the_destination()
    {
        var work = Path.Combine(Path.GetTempPath(), "gib-audit-tar-" + Guid.NewGuid().ToString("N")[..12]);
        var outside = Path.Combine(work, "outside");
        Directory.CreateDirectory(outside);
        try
        {
            var tar = Path.Combine(work, "etc.tar");
            using (var stream = File.Create(tar))
            using (var writer = new TarWriter(stream, TarEntryFormat.Gnu))
            {
                writer.WriteEntry(new GnuTarEntry(TarEntryType.Directory, "./"));
                writer.WriteEntry(new GnuTarEntry(TarEntryType.Directory, "./ssh/"));
                writer.WriteEntry(Entry("./ssh/ssh_host_ed25519_key", "private"));
                writer.WriteEntry(new GnuTarEntry(TarEntryType.HardLink, "./ssh/hardlinked") { LinkName = "./ssh/ssh_host_ed25519_key" });
                writer.WriteEntry(new GnuTarEntry(TarEntryType.SymbolicLink, "./resolv.conf") { LinkName = "/run/systemd/resolve/stub-resolv.conf" });
                writer.WriteEntry(new GnuTarEntry(TarEntryType.SymbolicLink, "./escape") { LinkName = outside });
                writer.WriteEntry(Entry("./escape/planted", "through a link"));
                writer.WriteEntry(Entry("../planted", "above the destination"));
                writer.WriteEntry(new GnuTarEntry(TarEntryType.Fifo, "./initctl"));
                writer.WriteEntry(Entry("./" + new string('d', 120) + "/" + new string('f', 120), "long GNU name"));
            }

            var destination = Path.Combine(work, "tree", "etc");
            GuestTree.ExtractTar(tar, destination);

            Assert.That(File.ReadAllText(Path.Combine(destination, "ssh/ssh_host_ed25519_key")), Is.EqualTo("private"));
            Assert.That(File.ReadAllText(Path.Combine(destination, "ssh/hardlinked")), Is.EqualTo("private"));
            Assert.That(new FileInfo(Path.Combine(destination, "resolv.conf")).LinkTarget, Is.EqualTo("/run/systemd/resolve/stub-resolv.conf"));
            Assert.That(File.ReadAllText(Path.Combine(destination, new string('d', 120), new string('f', 120))), Is.EqualTo("long GNU name"));
            Assert.That(Directory.GetFileSystemEntries(outside), Is.Empty);
            Assert.That(File.Exists(Path.Combine(work, "tree", "planted")), Is.False);
            Assert.That(File.Exists(Path.Combine(destination, "initctl")), Is.False);
            if (!OperatingSystem.IsWindows())
            {
                Assert.That(File.GetUnixFileMode(Path.Combine(destination, "ssh/ssh_host_ed25519_key")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "the copy may hold secrets");
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Test]
    public void Guest_links_resolve_inside_the_copy()
    {
        using var tree = new GuestFixture();
        tree.Write("/usr/share/zoneinfo/Etc/UTC", "TZif");
        tree.Link("/etc/alternatives/loop", "/etc/alternatives/loop");
        tree.Link("/etc/up-and-out", "../../../../../../../../etc/hostname");

        Assert.That(GuestTree.ReadText(tree.Root, "/etc/localtime"), Is.EqualTo("TZif"));
        Assert.That(GuestTree.ReadText(tree.Root, "/etc/resolv.conf"), Is.Null, "dangling in the guest: /run is not copied");
        Assert.That(GuestTree.EntryExists(tree.Root, "/etc/resolv.conf"), Is.True, "the link itself exists");
        Assert.That(GuestTree.ReadText(tree.Root, "/etc/alternatives/loop"), Is.Null);
        Assert.That(GuestTree.ReadText(tree.Root, "/etc/up-and-out"), Is.EqualTo("ubuntu\n"), ".. stops at the guest's /");
    }

    private static GnuTarEntry Entry(string name, string content) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
}
