using System.Globalization;

namespace GpuImageBuilder.Build.Parameters;

/// <summary>
/// The resolved text of every parameter, each checked against its rule once, when the parameters are built, and read
/// back as typed values. A value that breaks its rule is a problem whatever the target (the user gave it: a default
/// never breaks its rule), and reads back as its default, so that building the parameters never throws; a run with a
/// problem stops before any task, so such a fallback never reaches real work.
/// </summary>
internal sealed class ParameterValues
{
    private readonly IReadOnlyDictionary<string, ResolvedValue> _resolved;
    private readonly HashSet<string> _rejected = new(StringComparer.Ordinal);

    public ParameterValues(IReadOnlyDictionary<string, ResolvedValue> resolved, string? envFilePath, ICollection<ParameterProblem> problems)
    {
        _resolved = resolved;
        foreach (var definition in ParameterCatalog.All)
        {
            if (!IsSet(definition.Argument) || definition.Check(_resolved[definition.Argument].Value!) is not { } reason)
            {
                continue;
            }

            _rejected.Add(definition.Argument);
            var resolvedValue = _resolved[definition.Argument];
            var shown = definition.IsSecret ? string.Empty : $" = '{resolvedValue.Value}'";

            // Arguments and variables are in front of the user; a value read from a file is named with its file.
            var from = resolvedValue.Source switch
            {
                ValueSource.EnvFile => $" (from {envFilePath})",
                ValueSource.CakeConfig => " (from cake.config)",
                _ => string.Empty,
            };
            problems.Add(new(ParameterGroup.None, $"--{definition.Argument} ({definition.Environment}){shown}{from}: {reason}; expected {definition.Expected}"));
        }
    }

    public ResolvedValue Resolved(string argument) => _resolved[argument];

    /// <summary>
    /// Whether a value was given. An empty value of a parameter without a default means "not set" (an empty
    /// <c>NSCALE_API_TOKEN=</c> line copied from example.env); with a default, empty is a value and must pass its rule.
    /// </summary>
    public bool IsSet(string argument)
    {
        var value = _resolved[argument].Value;
        return value is not null && (value.Length > 0 || ParameterCatalog.Get(argument).Default is not null);
    }

    /// <summary>The value, when set and well-formed; else null.</summary>
    public string? Text(string argument) => IsSet(argument) && !_rejected.Contains(argument) ? _resolved[argument].Value : null;

    /// <summary>The value of a parameter that has a default: the default stands in for a rejected value.</summary>
    public string TextOrDefault(string argument) => Text(argument) ?? ParameterCatalog.Get(argument).Default!;

    public int Int(string argument) => int.Parse(TextOrDefault(argument), NumberStyles.None, CultureInfo.InvariantCulture);

    public bool Bool(string argument) => Rules.TryParseBoolean(TextOrDefault(argument), out var value) && value;

    public TimeSpan Duration(string argument) => Rules.ParseDuration(TextOrDefault(argument));

    public Uri? Url(string argument) => Text(argument) is { } text ? new Uri(text, UriKind.Absolute) : null;

    public Guid? Uuid(string argument) => Text(argument) is { } text ? Guid.ParseExact(text, "D") : null;

    /// <summary>Required parameters of the given groups with no value; secrets are exempt when asked (a dry run).</summary>
    public IEnumerable<string> Missing(ParameterGroup needed, bool exemptSecrets) =>
        ParameterCatalog.All
            .Where(d => d.Required && (d.Group & needed) != 0 && !IsSet(d.Argument) && !(exemptSecrets && d.IsSecret))
            .Select(d => $"--{d.Argument} ({d.Environment}): missing; expected {d.Expected}");

    /// <summary>The parameters among <paramref name="which"/> a task could not use: required and unset, or malformed.</summary>
    public IReadOnlyList<string> Unusable(Func<ParameterDefinition, bool> which) =>
        ParameterCatalog.All
            .Where(d => which(d) && ((d.Required && !IsSet(d.Argument)) || _rejected.Contains(d.Argument)))
            .Select(d => "--" + d.Argument)
            .ToList();

    /// <summary>Values that must never be printed: every secret that was given, well-formed or not.</summary>
    public IEnumerable<string> Secrets =>
        ParameterCatalog.All.Where(d => d.IsSecret && IsSet(d.Argument)).Select(d => _resolved[d.Argument].Value!);

    /// <summary>Each input with its source, for --verbosity=diagnostic. Secrets show only whether they are set.</summary>
    public IEnumerable<string> Describe()
    {
        foreach (var definition in ParameterCatalog.All)
        {
            var resolved = _resolved[definition.Argument];
            var shown = resolved.Value is null ? "(unset)" : definition.IsSecret ? "(set)" : resolved.Value;
            yield return $"{definition.Argument} = {shown} [{resolved.Source}]";
        }
    }
}
