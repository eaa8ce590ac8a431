namespace GpuImageBuilder.Build.Services.Audit;

/// <summary>
/// The audit's rules over a host copy of the image's files (<c>extractedRoot</c> stands for the guest's /: etc/,
/// root/, home/, var/lib/dpkg/status, and an entry for /swap.img or /swapfile where the image has one). Pure: reads
/// the copy, never the image. Every rule runs; each violation is one line naming the guest path and what is wrong.
/// Over 200 lines: one short method per rule, kept together so that the whole list of what an image must be reads
/// in one file.
/// </summary>
public static class ImageAuditRules
{
    public const string FirmwareOption = "NVreg_EnableGpuFirmware";

    /// <summary>Shell and REPL histories 99-cleanup must remove.</summary>
    public static readonly IReadOnlyList<string> HistoryFiles = [".bash_history", ".zsh_history", ".ash_history", ".python_history"];

    /// <summary>Swap files an installer or cloud image may leave behind.</summary>
    public static readonly IReadOnlyList<string> SwapFiles = ["/swap.img", "/swapfile"];

    public static IReadOnlyList<string> Check(string extractedRoot, AuditExpectations e, IReadOnlyList<InstalledPackage> packages) =>
        Check(extractedRoot, e, packages, NodePolicy.Read(extractedRoot, packages));

    public static IReadOnlyList<string> Check(string extractedRoot, AuditExpectations e, IReadOnlyList<InstalledPackage> packages, NodePolicy policy)
    {
        var v = new List<string>();
        CheckModprobe(extractedRoot, e, v);
        CheckMachineId(extractedRoot, v);
        CheckHostKeys(extractedRoot, v);
        CheckAccounts(extractedRoot, e, v);
        CheckHomes(extractedRoot, e, v);
        CheckSwap(extractedRoot, v);
        CheckPins(extractedRoot, e, packages, v);
        CheckKernelUpdates(e, policy, v);
        CheckContainerd(extractedRoot, e, policy, v);
        CheckFabricManager(e, policy, v);
        return v;
    }

    private static void CheckModprobe(string root, AuditExpectations e, List<string> v)
    {
        const string dir = "/etc/modprobe.d";
        var files = GuestTree.List(root, dir).Where(p => GuestTree.ReadText(root, p) is not null).ToList();
        var confs = files.Where(p => p.EndsWith(".conf", StringComparison.Ordinal)).ToList();
        var enabled = false;
        var nouveau = false;

        foreach (var file in files)
        {
            var isConf = confs.Contains(file);
            foreach (var (line, number) in Lines(GuestTree.ReadText(root, file)!))
            {
                var words = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (isConf && words is ["blacklist", "nouveau", ..])
                {
                    nouveau = true;
                }

                if (!line.Contains(FirmwareOption, StringComparison.Ordinal))
                {
                    continue;
                }

                if (!e.FirmwareOptionExpected)
                {
                    v.Add($"{file}:{number}: sets {FirmwareOption} ('{line}'); this image must leave it unset (only nvidia-firmware1 enables GPU firmware)");
                    continue;
                }

                var values = words.Skip(2).Where(w => w.StartsWith(FirmwareOption + "=", StringComparison.Ordinal)).Select(w => w[(FirmwareOption.Length + 1)..]).ToList();
                if (isConf && words is ["options", "nvidia", ..] && values.Contains("1"))
                {
                    enabled = true;
                }

                foreach (var other in values.Where(x => x != "1"))
                {
                    v.Add($"{file}:{number}: {FirmwareOption}={other} contradicts the expected 'options nvidia {FirmwareOption}=1'");
                }
            }
        }

        if (e.FirmwareOptionExpected && !enabled)
        {
            v.Add($"{dir}: no *.conf has 'options nvidia {FirmwareOption}=1' (nvidia-firmware1 images must enable GPU firmware)");
        }

        if (!nouveau)
        {
            v.Add($"{dir}: nouveau is not blacklisted (no 'blacklist nouveau' in any *.conf)");
        }
    }

    private static void CheckMachineId(string root, List<string> v)
    {
        const string path = "/etc/machine-id";
        if (GuestTree.Resolve(root, path) is not { } host || !File.Exists(host))
        {
            v.Add($"{path}: missing (it must exist and be empty so systemd generates a fresh ID on first boot)");
        }
        else if (new FileInfo(host).Length is var length and > 0)
        {
            v.Add($"{path}: not empty ({length} bytes; 99-cleanup must truncate it so every VM gets its own machine ID)");
        }
    }

    private static void CheckHostKeys(string root, List<string> v)
    {
        foreach (var key in GuestTree.List(root, "/etc/ssh").Where(p => GuestTree.GuestName(p).StartsWith("ssh_host_", StringComparison.Ordinal)))
        {
            v.Add($"{key}: SSH host key present (99-cleanup must remove host keys)");
        }
    }

    private static void CheckAccounts(string root, AuditExpectations e, List<string> v)
    {
        if (GuestTree.ReadText(root, "/etc/passwd") is not { } passwd)
        {
            v.Add("/etc/passwd: missing");
        }
        else
        {
            foreach (var (line, number) in Lines(passwd))
            {
                var f = line.Split(':');
                if (f[0] == e.BuildUser)
                {
                    v.Add($"/etc/passwd:{number}: build user '{e.BuildUser}' present (99-cleanup must delete it)");
                }
                else if (f.Length > 4 && f[4].Split(',')[0] == AuditExpectations.BuildUserGecos)
                {
                    v.Add($"/etc/passwd:{number}: user '{f[0]}' is an ephemeral image build user (GECOS '{AuditExpectations.BuildUserGecos}'; 99-cleanup must delete it)");
                }

                if (f.Length > 1 && f[1].StartsWith('$'))
                {
                    v.Add($"/etc/passwd:{number}: user '{f[0]}' has a password hash (images must ship without passwords)");
                }
            }
        }

        if (GuestTree.ReadText(root, "/etc/shadow") is { } shadow)
        {
            foreach (var (line, number) in Lines(shadow))
            {
                var f = line.Split(':');
                if (f.Length > 1 && f[1].TrimStart('!', '*') is var hash && hash.StartsWith('$'))
                {
                    // passwd -l only prefixes '!': a locked hash is still a crackable secret shipped in every VM.
                    var locked = hash.Length != f[1].Length ? " (locked, but the hash is still there)" : string.Empty;
                    v.Add($"/etc/shadow:{number}: user '{f[0]}' has a password hash{locked} (images must ship without passwords)");
                }
            }
        }

        // cloud-init's "sudo:" leaves /etc/sudoers.d/90-cloud-init-users behind even after userdel.
        foreach (var file in GuestTree.List(root, "/etc/sudoers.d"))
        {
            if (GuestTree.ReadText(root, file) is not { } text)
            {
                continue;
            }

            foreach (var (line, number) in Lines(text))
            {
                if (line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() == e.BuildUser)
                {
                    v.Add($"{file}:{number}: sudo rule for the build user '{e.BuildUser}' (99-cleanup must remove it)");
                }
            }
        }
    }

    private static void CheckHomes(string root, AuditExpectations e, List<string> v)
    {
        var homes = new List<string> { "/root" };
        homes.AddRange(GuestTree.List(root, "/home").Where(h => GuestTree.IsDirectory(root, h)));
        foreach (var home in homes)
        {
            if (home == "/home/" + e.BuildUser)
            {
                v.Add($"{home}: home directory of the build user '{e.BuildUser}' present (99-cleanup must remove it)");
            }

            foreach (var name in new[] { "authorized_keys", "authorized_keys2" })
            {
                var path = $"{home}/.ssh/{name}";
                if (GuestTree.ReadText(root, path) is { } keys && Lines(keys).Any())
                {
                    v.Add($"{path}: authorized SSH keys present (images must ship without login keys; cloud-init installs them at first boot)");
                }
            }

            foreach (var name in HistoryFiles)
            {
                var path = $"{home}/{name}";
                if (GuestTree.Resolve(root, path) is { } host && File.Exists(host) && new FileInfo(host).Length is var length and > 0)
                {
                    v.Add($"{path}: shell history present ({length} bytes; 99-cleanup must remove it)");
                }
            }
        }
    }

    private static void CheckSwap(string root, List<string> v)
    {
        if (GuestTree.ReadText(root, "/etc/fstab") is { } fstab)
        {
            foreach (var (line, number) in Lines(fstab))
            {
                var f = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 2 && f[2] == "swap")
                {
                    v.Add($"/etc/fstab:{number}: swap entry for {f[0]} (GPU nodes run without swap; kubelet refuses to start with swap on)");
                }
            }
        }

        foreach (var file in SwapFiles.Where(f => GuestTree.EntryExists(root, f)))
        {
            v.Add($"{file}: swap file present (GPU nodes run without swap; remove it)");
        }
    }

    private static void CheckPins(string root, AuditExpectations e, IReadOnlyList<InstalledPackage> packages, List<string> v)
    {
        const string status = "/var/lib/dpkg/status";
        if (e.PinnedPackages.Count == 0)
        {
            return;
        }

        if (packages.Count == 0 && !GuestTree.EntryExists(root, status))
        {
            v.Add($"{status}: missing; cannot check the pinned packages ({string.Join(", ", e.PinnedPackages.Keys.Order(StringComparer.Ordinal))})");
            return;
        }

        foreach (var (name, prefix) in e.PinnedPackages.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var installed = packages.Where(p => p.Name == name).ToList();
            if (installed.Count == 0)
            {
                v.Add($"{status}: {name} is not installed (expected {prefix}*, held)");
                continue;
            }

            foreach (var package in installed)
            {
                if (!package.Version.StartsWith(prefix, StringComparison.Ordinal))
                {
                    v.Add($"{status}: {name} is {package.Version}, expected {prefix}*");
                }

                if (!package.Held)
                {
                    v.Add($"{status}: {name} {package.Version} is not held (apt-mark hold it so upgrades cannot move it)");
                }
            }
        }
    }

    /// <summary>A kernel update must not strand the driver, and the image must not update itself (issue 11, item 1).</summary>
    private static void CheckKernelUpdates(AuditExpectations e, NodePolicy policy, List<string> v)
    {
        if (!e.KernelUpdatePolicyExpected)
        {
            return;
        }

        foreach (var flavour in policy.KernelFlavours.Where(f => !f.HeadersInstalled && !f.Held))
        {
            v.Add($"/var/lib/dpkg/status: {flavour.Metapackage} is neither held nor accompanied by {flavour.HeadersMetapackage} (a kernel update through it would come without headers, and DKMS could not build the NVIDIA module; 02 installs the headers metapackage)");
        }

        if (!policy.KernelBlacklisted)
        {
            var found = policy.UnattendedUpgradeBlacklist.Count == 0 ? "none" : string.Join(", ", policy.UnattendedUpgradeBlacklist.Select(b => $"'{b}'"));
            v.Add($"{NodePolicy.AptConfDirectory}: no Unattended-Upgrade::Package-Blacklist entry keeps linux-* out of unattended upgrades (found {found}; 02 writes 51gpu-image-kernel-updates)");
        }

        foreach (var timer in NodePolicy.AptTimers.Except(policy.MaskedAptTimers, StringComparer.Ordinal))
        {
            v.Add($"{NodePolicy.SystemdSystemDirectory}/{timer}: not masked (no link to /dev/null; the image must not update itself: 02 disables and masks it)");
        }
    }

    /// <summary>containerd must use the pause image kubeadm pre-pulls, with the systemd cgroup driver (issue 11, item 4).</summary>
    private static void CheckContainerd(string root, AuditExpectations e, NodePolicy policy, List<string> v)
    {
        if (e.SandboxImage is not { } expected)
        {
            return;
        }

        const string config = NodePolicy.ContainerdConfig;
        if (GuestTree.ReadText(root, config) is null)
        {
            v.Add($"{config}: missing (02 writes containerd's config with sandbox_image = \"{expected}\")");
            return;
        }

        if (policy.SandboxImage is not { } found)
        {
            v.Add($"{config}: no sandbox_image setting (expected \"{expected}\", the pause image kubeadm of the chosen Kubernetes version expects)");
        }
        else if (found != expected)
        {
            v.Add($"{config}: sandbox_image is \"{found}\", expected \"{expected}\" (the pause image kubeadm of the chosen Kubernetes version expects)");
        }

        if (!policy.SystemdCgroup)
        {
            v.Add($"{config}: no 'SystemdCgroup = true' (kubelet uses the systemd cgroup driver; containerd must too)");
        }
    }

    /// <summary>
    /// HGX/NVSwitch systems need the fabric manager at exactly the driver's version (issue 11, item 3). Its version
    /// and hold are checked as a pin; here: persistenced, both units enabled, and a fabric manager the image carries
    /// without being asked must still match the driver.
    /// </summary>
    private static void CheckFabricManager(AuditExpectations e, NodePolicy policy, List<string> v)
    {
        const string status = "/var/lib/dpkg/status";
        if (e.FabricManagerExpected)
        {
            if (policy.Persistenced is null)
            {
                v.Add($"{status}: neither nvidia-persistenced nor nvidia-compute-utils-<branch> is installed (04 installs nvidia-persistenced with the fabric manager; --nvidia-fabric-manager=false leaves both out)");
            }
            else if (e.NvidiaDriverVersion is { } driver && !policy.Persistenced.Version.StartsWith(driver + "-", StringComparison.Ordinal))
            {
                v.Add($"{status}: {policy.Persistenced.Name} is {policy.Persistenced.Version}, expected {driver}-* (the driver's version)");
            }

            foreach (var unit in new[] { NodePolicy.FabricManagerService, NodePolicy.PersistencedService }.Except(policy.EnabledNvidiaServices, StringComparer.Ordinal))
            {
                v.Add($"{NodePolicy.SystemdSystemDirectory}: {unit} is not enabled (no link in a *.wants folder; 04 enables it, and its drop-in skips it on machines without the hardware)");
            }
        }
        else if (policy.FabricManager is { } fm && e.NvidiaDriverVersion is { } driver && !fm.Version.StartsWith(driver + "-", StringComparison.Ordinal))
        {
            v.Add($"{status}: {fm.Name} is {fm.Version}, but the driver is {driver} (CUDA does not initialise on NVSwitch systems when they differ)");
        }
    }

    /// <summary>Non-blank, non-comment lines, trimmed, with their 1-based line numbers.</summary>
    private static IEnumerable<(string Line, int Number)> Lines(string text) =>
        text.Replace("\r", string.Empty).Split('\n')
            .Select((l, i) => (Line: l.Trim(), Number: i + 1))
            .Where(x => x.Line.Length > 0 && !x.Line.StartsWith('#'));
}
