using System.Text.RegularExpressions;

namespace GpuImageBuilder.Build.Services.Validation;

/// <summary>
/// Which template variables can change what <c>packer validate</c> says, read from the templates themselves: those
/// the <c>source</c> blocks use (directly or through a local; the builder checks their values: URL, checksum, sizes)
/// and every variable that is not a plain string (a value may fail to convert). Every other variable only ends up in
/// a provisioner's strings (environment_vars), where Packer accepts any string; two runs that differ only in such
/// values get the same verdict, so Validate runs Packer once for them and checks every combination's values itself.
/// Deliberately generous: a variable used anywhere in a locals block counts as visible when any local is.
/// </summary>
public static partial class BuilderVisibleVariables
{
    [GeneratedRegex(@"\bvar\.([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex VarReference();

    [GeneratedRegex(@"\blocal\.([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex LocalReference();

    [GeneratedRegex("(?m)^\\s*source\\s+\"[^\"]+\"\\s+\"[^\"]+\"\\s*\\{")]
    private static partial Regex SourceBlock();

    [GeneratedRegex(@"(?m)^\s*locals\s*\{")]
    private static partial Regex LocalsBlock();

    [GeneratedRegex("variable\\s+\"([A-Za-z0-9_]+)\"\\s*\\{(?<body>[^}]*)\\}", RegexOptions.Singleline)]
    private static partial Regex VariableBlock();

    [GeneratedRegex(@"(?m)^\s*type\s*=\s*(?<type>\S+)")]
    private static partial Regex TypeLine();

    public static IReadOnlySet<string> Read(string templateDirectory)
    {
        var text = string.Join("\n", Directory.GetFiles(templateDirectory, "*.pkr.hcl").Order(StringComparer.Ordinal).Select(File.ReadAllText));
        var visible = new HashSet<string>(StringComparer.Ordinal);
        var sources = Blocks(text, SourceBlock()).ToList();
        foreach (var block in sources)
        {
            visible.UnionWith(VarReference().Matches(block).Select(m => m.Groups[1].Value));
        }

        if (sources.Any(b => LocalReference().IsMatch(b)))
        {
            foreach (var locals in Blocks(text, LocalsBlock()))
            {
                visible.UnionWith(VarReference().Matches(locals).Select(m => m.Groups[1].Value));
            }
        }

        foreach (Match variable in VariableBlock().Matches(text))
        {
            var type = TypeLine().Match(variable.Groups["body"].Value);
            if (!type.Success || type.Groups["type"].Value != "string")
            {
                visible.Add(variable.Groups[1].Value);
            }
        }

        return visible;
    }

    /// <summary>The text of each block that <paramref name="opening"/> starts, up to its matching brace (quotes respected).</summary>
    private static IEnumerable<string> Blocks(string text, Regex opening)
    {
        foreach (Match m in opening.Matches(text))
        {
            var depth = 0;
            var inString = false;
            for (var i = m.Index + m.Length - 1; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '"' && text[i - 1] != '\\')
                {
                    inString = !inString;
                }
                else if (!inString && c == '{')
                {
                    depth++;
                }
                else if (!inString && c == '}' && --depth == 0)
                {
                    yield return text[m.Index..(i + 1)];
                    break;
                }
            }
        }
    }
}
