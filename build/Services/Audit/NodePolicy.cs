using System.Text.RegularExpressions;

namespace GpuImageBuilder.Build.Services.Audit;

/// <summary>One kernel flavour metapackage (linux-image-generic, Debian's linux-image-cloud-amd64) and what keeps a
/// kernel update through it from stranding the driver: its headers metapackage installed, or the metapackage held.</summary>
public sealed record KernelFlavour(string Metapackage, string HeadersMetapackage, bool HeadersInstalled, bool Held);

/// <summary>
/// The node policy an image carries, read from a host copy of its files and its dpkg status (issue 11): how kernel
/// updates are kept from stranding the NVIDIA module, containerd's sandbox (pause) image, and the fabric manager and
/// persistence daemon. What was found, not a verdict: <see cref="ImageAuditRules"/> judges it, the manifest records it.
/// </summary>
public sealed partial record NodePolicy(
    IReadOnlyList<KernelFlavour> KernelFlavours,
    IReadOnlyList<string> UnattendedUpgradeBlacklist,
    IReadOnlyList<string> MaskedAptTimers,
    string? SandboxImage,
    bool SystemdCgroup,
    InstalledPackage? FabricManager,
    InstalledPackage? Persistenced,
    IReadOnlyList<string> EnabledNvidiaServices)
{
    public const string AptConfDirectory = "/etc/apt/apt.conf.d";
    public const string ContainerdConfig = "/etc/containerd/config.toml";
    public const string SystemdSystemDirectory = "/etc/systemd/system";
    public const string FabricManagerService = "nvidia-fabricmanager.service";
    public const string PersistencedService = "nvidia-persistenced.service";

    /// <summary>The timers that run apt on their own (02 disables and masks both).</summary>
    public static readonly IReadOnlyList<string> AptTimers = ["apt-daily.timer", "apt-daily-upgrade.timer"];

    /// <summary>Whether unattended-upgrades would skip the kernel packages: an entry of its blacklist (a regular
    /// expression matched at the start of the package name, as unattended-upgrades does) covers both.</summary>
    public bool KernelBlacklisted => UnattendedUpgradeBlacklist.Any(entry =>
        CoversAtStart(entry, "linux-image-generic") && CoversAtStart(entry, "linux-headers-generic"));

    public static NodePolicy Read(string root, IReadOnlyList<InstalledPackage> packages)
    {
        var names = packages.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

        // The same selection as 02's installed_kernel_metapackages: linux-image-<flavour> (a letter, not a release),
        // not the unsigned/extra variants, which have no headers counterpart.
        var flavours = packages
            .Where(p => p.Name.StartsWith("linux-image-", StringComparison.Ordinal) && char.IsAsciiLetter(p.Name["linux-image-".Length..].FirstOrDefault()))
            .Where(p => !p.Name.StartsWith("linux-image-unsigned-", StringComparison.Ordinal) && !p.Name.StartsWith("linux-image-extra-", StringComparison.Ordinal))
            .Select(p => (Package: p, Headers: "linux-headers-" + p.Name["linux-image-".Length..]))
            .Select(x => new KernelFlavour(x.Package.Name, x.Headers, names.Contains(x.Headers), x.Package.Held))
            .DistinctBy(f => f.Metapackage)
            .OrderBy(f => f.Metapackage, StringComparer.Ordinal)
            .ToList();

        var containerd = GuestTree.ReadText(root, ContainerdConfig);
        return new NodePolicy(
            flavours,
            Blacklist(root),
            AptTimers.Where(t => IsMasked(root, $"{SystemdSystemDirectory}/{t}")).ToList(),
            containerd is null ? null : TomlString(containerd, "sandbox_image"),
            containerd is not null && TomlLines(containerd).Any(l => SystemdCgroupTrue().IsMatch(l)),
            packages.Where(p => p.Name.StartsWith("nvidia-fabricmanager-", StringComparison.Ordinal) && !p.Name.EndsWith("-dev", StringComparison.Ordinal)).MinBy(p => p.Name, StringComparer.Ordinal),
            packages.FirstOrDefault(p => p.Name == "nvidia-persistenced")
                ?? packages.Where(p => p.Name.StartsWith("nvidia-compute-utils-", StringComparison.Ordinal)).MinBy(p => p.Name, StringComparer.Ordinal),
            EnabledServices(root).Where(s => s.StartsWith("nvidia-", StringComparison.Ordinal)).ToList());
    }

    /// <summary>A unit masked the way systemctl mask does it: a link to /dev/null in /etc/systemd/system.</summary>
    private static bool IsMasked(string root, string guestPath)
    {
        if (GuestTree.Resolve(root, SystemdSystemDirectory) is not { } dir || !Directory.Exists(dir))
        {
            return false;
        }

        return new FileInfo(Path.Combine(dir, GuestTree.GuestName(guestPath))).LinkTarget == "/dev/null";
    }

    /// <summary>Units enabled through a <c>*.wants</c> folder of /etc/systemd/system (what systemctl enable links).</summary>
    private static IEnumerable<string> EnabledServices(string root) =>
        GuestTree.List(root, SystemdSystemDirectory)
            .Where(p => p.EndsWith(".wants", StringComparison.Ordinal) && GuestTree.IsDirectory(root, p))
            .SelectMany(p => GuestTree.List(root, p).Select(GuestTree.GuestName))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);

    /// <summary>
    /// Unattended-Upgrade::Package-Blacklist over /etc/apt/apt.conf and apt.conf.d/* (the files apt reads: no
    /// extension or .conf), in both spellings apt accepts: a block <c>{ "a"; "b"; }</c> and list items
    /// <c>Unattended-Upgrade::Package-Blacklist:: "a";</c>. apt's option names are case-insensitive.
    /// </summary>
    private static List<string> Blacklist(string root)
    {
        var files = GuestTree.List(root, AptConfDirectory)
            .Where(p => GuestTree.GuestName(p) is var n && (!n.Contains('.') || n.EndsWith(".conf", StringComparison.Ordinal)))
            .Prepend("/etc/apt/apt.conf");
        var entries = new List<string>();
        foreach (var file in files)
        {
            if (GuestTree.ReadText(root, file) is not { } text)
            {
                continue;
            }

            var code = AptComment().Replace(text, string.Empty);
            foreach (Match block in BlacklistBlock().Matches(code))
            {
                entries.AddRange(Quoted().Matches(block.Groups[1].Value).Select(m => m.Groups[1].Value));
            }

            entries.AddRange(BlacklistItem().Matches(code).Select(m => m.Groups[1].Value));
        }

        return entries;
    }

    private static bool CoversAtStart(string pattern, string package)
    {
        try
        {
            return Regex.IsMatch(package, "^(?:" + pattern + ")", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            // Not a valid expression: unattended-upgrades would not match it either.
            return false;
        }
    }

    /// <summary>The first <c>key = "value"</c> (or 'value') outside comments; null when there is none.</summary>
    private static string? TomlString(string toml, string key) =>
        TomlLines(toml)
            .Select(l => Regex.Match(l, "^" + Regex.Escape(key) + """\s*=\s*["']([^"']*)["']\s*(#.*)?$"""))
            .FirstOrDefault(m => m.Success)?.Groups[1].Value;

    private static IEnumerable<string> TomlLines(string toml) =>
        toml.Replace("\r", string.Empty).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|^\s*#(?!clear|include)[^\n]*", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex AptComment();

    [GeneratedRegex(@"Unattended-Upgrade::Package-Blacklist\s*\{([^}]*)\}", RegexOptions.IgnoreCase)]
    private static partial Regex BlacklistBlock();

    [GeneratedRegex(@"Unattended-Upgrade::Package-Blacklist::\s*""([^""]*)""\s*;", RegexOptions.IgnoreCase)]
    private static partial Regex BlacklistItem();

    [GeneratedRegex(@"""([^""]*)""")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"^SystemdCgroup\s*=\s*true\b")]
    private static partial Regex SystemdCgroupTrue();
}
