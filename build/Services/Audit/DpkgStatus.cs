namespace GpuImageBuilder.Build.Services.Audit;

/// <summary>Reads dpkg's database (/var/lib/dpkg/status): one RFC 822-style stanza per package.</summary>
public static class DpkgStatus
{
    /// <summary>
    /// The packages whose state is "installed" (deinstall/config-files, half-installed, not-installed entries are
    /// left out), in file order. Held when the selection ("Status: WANT FLAG STATE") is "hold".
    /// </summary>
    public static IReadOnlyList<InstalledPackage> Parse(string statusFileText)
    {
        var packages = new List<InstalledPackage>();
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        void Flush()
        {
            if (fields.TryGetValue("Package", out var name) && fields.TryGetValue("Status", out var status))
            {
                var words = status.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 3 && words[2] == "installed")
                {
                    packages.Add(new InstalledPackage(name, fields.GetValueOrDefault("Version", string.Empty), words[0] == "hold"));
                }
            }

            fields.Clear();
        }

        foreach (var raw in statusFileText.Replace("\r", string.Empty).Split('\n'))
        {
            if (raw.Trim().Length == 0)
            {
                Flush();
            }
            else if (raw[0] is ' ' or '\t')
            {
                // Continuation of a multi-line field (Description, Conffiles): nothing the audit needs.
            }
            else if (raw.IndexOf(':') is var colon and > 0)
            {
                fields[raw[..colon]] = raw[(colon + 1)..].Trim();
            }
        }

        Flush();
        return packages;
    }
}
