namespace GpuImageBuilder.Build.Parameters;

/// <summary>
/// The names the build accepts, and the nearest one to a name it does not. An unknown name is a typo until shown
/// otherwise: ignoring <c>--imgae=gpu-ready</c> would build every image, and ignoring
/// <c>--nvidia-driver-verison</c> would build with the default driver the user meant to change.
/// </summary>
public static class KnownNames
{
    /// <summary>
    /// The options the host reads itself (Cake.Frosting's set, see HostOptions.Parse; its short names -t, -v, -e, -h
    /// reach the arguments already expanded). Listed here because the host's options are not the build's to extend.
    /// </summary>
    public static readonly IReadOnlyList<string> HostOptions =
        ["target", "verbosity", "dryrun", "noop", "whatif", "exclusive", "tree", "description", "showdescription", "help"];

    /// <summary>Every command-line name the build knows, without dashes: its parameters and the host's options.</summary>
    public static IEnumerable<string> Arguments => ParameterCatalog.All.Select(d => d.Argument).Concat(HostOptions);

    /// <summary>One problem per command-line name (without dashes) that is neither a parameter nor a host option.</summary>
    public static IEnumerable<string> UnknownArguments(IEnumerable<string> given)
    {
        var known = Arguments.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var name in given.Distinct(StringComparer.OrdinalIgnoreCase).Where(n => !known.Contains(n)))
        {
            var suggestion = Nearest(name, Arguments) is { } nearest
                ? $"did you mean --{nearest}{EnvironmentOf(nearest)}?"
                : "no parameter or host option is named like it";
            yield return $"--{name}: unknown argument; {suggestion} (--help lists them all)";
        }
    }

    /// <summary>
    /// One problem per key of the .env file that is no parameter's environment variable: the file exists for this
    /// build (example.env), so a key it does not know is a misspelt one (<c>NSCALE_API_TOKN</c>).
    /// </summary>
    public static IEnumerable<string> UnknownEnvFileKeys(string path, IEnumerable<string> keys)
    {
        var known = ParameterCatalog.All.Select(d => d.Environment).ToList();
        foreach (var key in keys.Where(k => !known.Contains(k, StringComparer.Ordinal)))
        {
            var suggestion = Nearest(key, known) is { } nearest ? $"did you mean {nearest}?" : "no parameter has that environment variable";
            yield return $"{path}: {key} is not a parameter's environment variable; {suggestion} (--help lists them all)";
        }
    }

    /// <summary>
    /// The candidate closest to <paramref name="name"/>, ignoring case, when it is close enough to be the likely
    /// intent (at most a third of the name's letters wrong, and at least two allowed); null otherwise.
    /// </summary>
    public static string? Nearest(string name, IEnumerable<string> candidates)
    {
        var lowered = name.ToLowerInvariant();
        var best = candidates
            .Select(c => (Name: c, Distance: Distance(lowered, c.ToLowerInvariant())))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, name.Length / 3) ? best.Name : null;
    }

    /// <summary>
    /// Edit distance with adjacent transposition counting as one edit (optimal string alignment): the usual typos,
    /// a swapped pair (<c>imgae</c>), a dropped, doubled or wrong letter, are each one edit.
    /// </summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    private static string EnvironmentOf(string argument) =>
        ParameterCatalog.All.FirstOrDefault(d => d.Argument == argument) is { } definition ? $" ({definition.Environment})" : string.Empty;
}
