using System.Text.RegularExpressions;

namespace GpuImageBuilder.Build.Images;

/// <summary>
/// Reads the simple Packer variable files this project writes (<c>name = "x"</c>, <c>list = ["a", "b"]</c>,
/// <c>flag = true</c>, comments). Not a general HCL parser: anything else is an error naming file and line,
/// and Validate's <c>packer validate</c> checks the files with Packer's own parser as well.
/// </summary>
public static partial class PackerVarFile
{
    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(.*)$")]
    private static partial Regex Assignment();

    [GeneratedRegex("\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex QuotedString();

    public static IReadOnlyDictionary<string, PackerValue> Parse(string path, string text)
    {
        var result = new Dictionary<string, PackerValue>(StringComparer.Ordinal);
        var lines = text.Replace("\r", string.Empty).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = StripComment(lines[i]).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var match = Assignment().Match(line);
            if (!match.Success)
            {
                throw new ImageDefinitionException($"{path}:{i + 1}: expected 'name = value'");
            }

            var name = match.Groups[1].Value;
            var valueText = match.Groups[2].Value.Trim();
            var startLine = i + 1;
            if (valueText.StartsWith('['))
            {
                // A list may span lines until its closing bracket.
                while (!valueText.TrimEnd().EndsWith(']'))
                {
                    if (++i >= lines.Length)
                    {
                        throw new ImageDefinitionException($"{path}:{startLine}: list '{name}' is not closed with ']'");
                    }

                    valueText += " " + StripComment(lines[i]).Trim();
                }

                var inner = valueText.Trim()[1..^1];
                var items = QuotedString().Matches(inner).Select(m => Unescape(m.Groups[1].Value)).ToList();
                var leftover = QuotedString().Replace(inner, string.Empty).Replace(",", string.Empty).Trim();
                if (leftover.Length > 0)
                {
                    throw new ImageDefinitionException($"{path}:{startLine}: list '{name}' may hold only quoted strings");
                }

                result[name] = new PackerValue(null, items);
            }
            else if (valueText.StartsWith('"'))
            {
                var m = QuotedString().Match(valueText);
                if (!m.Success || m.Index != 0 || m.Length != valueText.Length)
                {
                    throw new ImageDefinitionException($"{path}:{startLine}: '{name}' is not a single quoted string");
                }

                result[name] = new PackerValue(Unescape(m.Groups[1].Value), null);
            }
            else if (valueText is "true" or "false" || double.TryParse(valueText, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                result[name] = new PackerValue(valueText, null);
            }
            else
            {
                throw new ImageDefinitionException($"{path}:{startLine}: '{name}' must be a quoted string, a list of strings, a number or true/false");
            }
        }

        return result;
    }

    private static string StripComment(string line)
    {
        var inString = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"' && (i == 0 || line[i - 1] != '\\'))
            {
                inString = !inString;
            }
            else if (!inString && (c == '#' || (c == '/' && i + 1 < line.Length && line[i + 1] == '/')))
            {
                return line[..i];
            }
        }

        return line;
    }

    private static string Unescape(string s) => s.Replace("\\\"", "\"").Replace("\\\\", "\\");
}

/// <summary>A scalar (as text) or a list of strings.</summary>
public sealed record PackerValue(string? Scalar, IReadOnlyList<string>? List);

public sealed class ImageDefinitionException(string message) : Exception(message);
