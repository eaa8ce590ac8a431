using System.Text.RegularExpressions;

namespace GpuImageBuilder.Build.Services.Packer;

/// <summary>
/// String defaults of the template's variables (<c>variable "x" { default = "..." }</c>), read so that the build
/// knows the pinned base image without repeating it: templates/variables.pkr.hcl stays the one place it is written.
/// </summary>
public static partial class TemplateDefaults
{
    [GeneratedRegex("variable\\s+\"([A-Za-z0-9_]+)\"\\s*\\{(?<body>[^}]*)\\}", RegexOptions.Singleline)]
    private static partial Regex VariableBlock();

    [GeneratedRegex("(?m)^\\s*default\\s*=\\s*\"([^\"]*)\"")]
    private static partial Regex StringDefault();

    /// <summary>Every variable the templates declare, whatever its type.</summary>
    public static IReadOnlySet<string> Declared(string templateDirectory) =>
        Directory.GetFiles(templateDirectory, "*.pkr.hcl")
            .SelectMany(f => VariableBlock().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);

    public static IReadOnlyDictionary<string, string> Read(string templateDirectory)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(templateDirectory, "*.pkr.hcl"))
        {
            foreach (Match block in VariableBlock().Matches(File.ReadAllText(file)))
            {
                var dflt = StringDefault().Match(block.Groups["body"].Value);
                if (dflt.Success)
                {
                    result[block.Groups[1].Value] = dflt.Groups[1].Value;
                }
            }
        }

        return result;
    }
}
