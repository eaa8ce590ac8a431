namespace GpuImageBuilder.Build.Parameters;

/// <summary>
/// A .env file: <c>KEY=value</c> lines, <c>#</c> comments, optional <c>export</c> and quotes. Keys are the
/// parameters' environment variable names. Lines are never echoed in errors: they may hold secrets.
/// </summary>
public static class EnvFile
{
    /// <summary>The file's values; each line that is not <c>KEY=value</c> is added to <paramref name="problems"/> and skipped.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string path, string text, ICollection<string> problems)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }

            var eq = line.IndexOf('=');
            if (eq <= 0)
            {
                problems.Add($"{path}:{lineNumber}: not a KEY=value line; fix or remove that line");
                continue;
            }

            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            values[key] = value;
        }

        return values;
    }
}
