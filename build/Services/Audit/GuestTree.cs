using System.Formats.Tar;

namespace GpuImageBuilder.Build.Services.Audit;

/// <summary>
/// A copy of part of a guest's file system on the host, rooted at a folder. Symbolic links are kept as the guest
/// wrote them (often absolute: /etc/resolv.conf -> /run/...), so they are never followed by the host: every guest
/// path is resolved here, inside the root, the way the guest's kernel would resolve it.
/// </summary>
internal static class GuestTree
{
    private const int MaxLinkHops = 40;

    /// <summary>The host path of a guest path, following the guest's links inside <paramref name="root"/>; null if it does not exist.</summary>
    public static string? Resolve(string root, string guestPath)
    {
        var pending = new Stack<string>(Components(guestPath).Reverse());
        var resolved = new List<string>();
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            var host = HostPath(root, [.. resolved, part]);
            var info = new FileInfo(host);
            if (info.LinkTarget is { } target)
            {
                if (++hops > MaxLinkHops)
                {
                    return null;
                }

                if (target.StartsWith('/'))
                {
                    resolved.Clear();
                }

                foreach (var t in Components(target).Reverse())
                {
                    pending.Push(t);
                }

                continue;
            }

            if (!info.Exists && !Directory.Exists(host))
            {
                return null;
            }

            resolved.Add(part);
        }

        return HostPath(root, resolved);
    }

    /// <summary>The text of a guest file (links followed inside the guest), or null if there is no such file.</summary>
    public static string? ReadText(string root, string guestPath) =>
        Resolve(root, guestPath) is { } host && File.Exists(host) ? File.ReadAllText(host) : null;

    /// <summary>Whether the guest has an entry at this path at all (a dangling link counts).</summary>
    public static bool EntryExists(string root, string guestPath)
    {
        var parent = Resolve(root, GuestParent(guestPath));
        if (parent is null || !Directory.Exists(parent))
        {
            return false;
        }

        var host = Path.Combine(parent, GuestName(guestPath));
        return File.Exists(host) || Directory.Exists(host) || new FileInfo(host).LinkTarget is not null;
    }

    /// <summary>The entries of a guest directory as guest paths (sorted), or none if it does not exist.</summary>
    public static IReadOnlyList<string> List(string root, string guestDirectory)
    {
        if (Resolve(root, guestDirectory) is not { } host || !Directory.Exists(host))
        {
            return [];
        }

        return Directory.EnumerateFileSystemEntries(host)
            .Select(e => guestDirectory.TrimEnd('/') + "/" + Path.GetFileName(e))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public static bool IsDirectory(string root, string guestPath) => Resolve(root, guestPath) is { } host && Directory.Exists(host);

    public static string GuestName(string guestPath) => guestPath.TrimEnd('/')[(guestPath.TrimEnd('/').LastIndexOf('/') + 1)..];

    /// <summary>
    /// Unpacks a tar stream (guestfish tar-out, GNU format) under <paramref name="destination"/>: directories, regular
    /// files, hard links (copied) and symbolic links (kept verbatim, never followed). Device nodes, FIFOs and any
    /// entry that would land outside the destination or under a link are skipped. Files are private to the owner.
    /// </summary>
    public static void ExtractTar(string tarFile, string destination)
    {
        Directory.CreateDirectory(destination);
        using var stream = File.OpenRead(tarFile);
        using var reader = new TarReader(stream);
        while (reader.GetNextEntry() is { } entry)
        {
            var parts = Components(entry.Name).ToList();
            if (parts.Count == 0 || parts.Contains(".."))
            {
                continue;
            }

            if (!ParentsAreRealDirectories(destination, parts))
            {
                continue;
            }

            var target = HostPath(destination, parts);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (new FileInfo(target).LinkTarget is not null)
            {
                continue;
            }

            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(target);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    WritePrivate(target, entry.DataStream);
                    break;
                case TarEntryType.HardLink:
                    var linkParts = Components(entry.LinkName).ToList();
                    var source = HostPath(destination, linkParts);
                    if (!linkParts.Contains("..") && ParentsAreRealDirectories(destination, linkParts) && new FileInfo(source).LinkTarget is null && File.Exists(source))
                    {
                        using var from = File.OpenRead(source);
                        WritePrivate(target, from);
                    }

                    break;
                case TarEntryType.SymbolicLink:
                    if (!File.Exists(target) && !Directory.Exists(target))
                    {
                        File.CreateSymbolicLink(target, entry.LinkName);
                    }

                    break;
            }
        }
    }

    private static void WritePrivate(string target, Stream? data)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(target, options);
        data?.CopyTo(file);
    }

    private static bool ParentsAreRealDirectories(string destination, IReadOnlyList<string> parts)
    {
        var current = destination;
        foreach (var part in parts.Take(parts.Count - 1))
        {
            current = Path.Combine(current, part);
            var info = new DirectoryInfo(current);
            if (info.LinkTarget is not null || File.Exists(current))
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<string> Components(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".");

    private static string GuestParent(string guestPath)
    {
        var trimmed = guestPath.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash <= 0 ? "/" : trimmed[..slash];
    }

    private static string HostPath(string root, IEnumerable<string> parts) => Path.Combine([root, .. parts]);
}
