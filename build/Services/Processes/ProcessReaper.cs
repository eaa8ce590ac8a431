namespace GpuImageBuilder.Build.Services.Processes;

/// <summary>
/// Finds and kills processes whose command line mentions a path, e.g. a QEMU left running after its Packer parent
/// was killed (an orphan is re-parented to init, so killing the tree no longer reaches it). Every build works in a
/// folder of its own, so its path identifies exactly that build's processes.
/// </summary>
public static class ProcessReaper
{
    public static IReadOnlyList<int> FindMentioning(string path)
    {
        var found = new List<int>();
        if (!Directory.Exists("/proc"))
        {
            return found;
        }

        var self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == self)
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(path, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone already, or not ours to read.
            }
        }

        return found;
    }

    /// <summary>Kills them; returns how many there were.</summary>
    public static int KillMentioning(string path)
    {
        var pids = FindMentioning(path);
        foreach (var pid in pids)
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }

        return pids.Count;
    }
}
