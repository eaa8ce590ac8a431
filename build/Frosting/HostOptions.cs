using Cake.Core.Diagnostics;

namespace Cake.Frosting;

/// <summary>
/// The options the host itself reads (the same set Cake.Frosting's host reads). Everything on the command line,
/// these included, also reaches Cake's <c>Argument()</c>.
/// </summary>
public sealed record HostOptions
{
    public string Target { get; init; } = "Default";

    public Verbosity Verbosity { get; init; } = Verbosity.Normal;

    public bool DryRun { get; init; }

    public bool Exclusive { get; init; }

    public bool ShowTree { get; init; }

    public bool ShowDescription { get; init; }

    public bool ShowHelp { get; init; }

    /// <summary>Every <c>--name=value</c>, <c>--name value</c> and bare <c>--flag</c> (= "true"), names without dashes.</summary>
    public ILookup<string, string> Arguments { get; init; } =
        Array.Empty<KeyValuePair<string, string>>().ToLookup(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);

    public static HostOptions Parse(IReadOnlyList<string> args)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-') || arg == "-" || arg == "--")
            {
                throw new HostUsageException($"unexpected argument '{arg}': arguments look like --name=value (see --help)");
            }

            var body = arg.TrimStart('-');
            string name;
            string value;
            var eq = body.IndexOf('=');
            if (eq >= 0)
            {
                name = body[..eq];
                value = body[(eq + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith('-'))
            {
                name = body;
                value = args[++i];
            }
            else
            {
                name = body;
                value = "true";
            }

            if (name.Length == 0)
            {
                throw new HostUsageException($"argument '{arg}' has no name: use --name=value");
            }

            pairs.Add(new(ExpandShortName(name), value));
        }

        var lookup = pairs.ToLookup(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        return new HostOptions
        {
            Target = Last(lookup, "target") ?? "Default",
            Verbosity = ParseVerbosity(Last(lookup, "verbosity")),
            DryRun = Flag(lookup, "dryrun") || Flag(lookup, "noop") || Flag(lookup, "whatif"),
            Exclusive = Flag(lookup, "exclusive"),
            ShowTree = Flag(lookup, "tree"),
            ShowDescription = Flag(lookup, "description") || Flag(lookup, "showdescription"),
            ShowHelp = Flag(lookup, "help"),
            Arguments = lookup,
        };
    }

    private static string ExpandShortName(string name) => name switch
    {
        "t" => "target",
        "v" => "verbosity",
        "e" => "exclusive",
        "h" or "?" => "help",
        _ => name,
    };

    private static string? Last(ILookup<string, string> lookup, string name) =>
        lookup.Contains(name) ? lookup[name].Last() : null;

    private static bool Flag(ILookup<string, string> lookup, string name)
    {
        var value = Last(lookup, name);
        if (value is null)
        {
            return false;
        }

        return value.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "" => true,
            "false" or "0" or "no" => false,
            _ => throw new HostUsageException($"--{name}={value} is not a boolean: use --{name} or --{name}=false"),
        };
    }

    private static Verbosity ParseVerbosity(string? value) => value?.ToLowerInvariant() switch
    {
        null => Verbosity.Normal,
        "q" or "quiet" => Verbosity.Quiet,
        "m" or "minimal" => Verbosity.Minimal,
        "n" or "normal" => Verbosity.Normal,
        "v" or "verbose" => Verbosity.Verbose,
        "d" or "diag" or "diagnostic" => Verbosity.Diagnostic,
        _ => throw new HostUsageException(
            $"--verbosity={value} is not a verbosity: use quiet, minimal, normal, verbose or diagnostic"),
    };
}

/// <summary>A command line the host cannot act on; printed as one line, exit code 2.</summary>
public sealed class HostUsageException(string message) : Exception(message);
