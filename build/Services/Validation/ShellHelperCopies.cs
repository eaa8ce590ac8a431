using System.Text.RegularExpressions;
using GpuImageBuilder.Build.Context;

namespace GpuImageBuilder.Build.Services.Validation;

/// <summary>A top-level bash function as written in one script: its name, where it starts, its whole text.</summary>
public sealed record ShellFunction(string Name, int Line, string Text);

/// <summary>
/// The provisioning scripts stay standalone (Packer uploads each one alone, with nothing to source), so the helpers
/// they share (<c>log</c>, <c>die</c>, <c>apt_get</c>, <c>installed_kernels</c>, ...) are copies. A fix made to one
/// copy and not the others is a bug waiting in the others: every top-level function defined in more than one script
/// must be the same text in each, as the scripts' defaults must be the build's.
/// </summary>
public static partial class ShellHelperCopies
{
    // A definition at column 0: "name() {" or "function name {" / "function name() {", then the rest of the line.
    [GeneratedRegex(@"^(?:function\s+(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\(\s*\))?|(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*\(\s*\))\s*\{(?<rest>.*)$")]
    private static partial Regex FunctionStart();

    /// <summary>
    /// The top-level functions of a script, in order. A one-line function ends on its own line (<c>log() { ...; }</c>);
    /// any other ends at the next line that starts with <c>}</c> at column 0, the way the scripts are written (shfmt),
    /// so a <c>}</c> inside the body (indented, or in a string) does not end it. Trailing whitespace is not part of the
    /// text.
    /// </summary>
    public static IReadOnlyList<ShellFunction> Functions(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()).ToArray();
        var functions = new List<ShellFunction>();
        for (var i = 0; i < lines.Length; i++)
        {
            var m = FunctionStart().Match(lines[i]);
            if (!m.Success)
            {
                continue;
            }

            var rest = m.Groups["rest"].Value.Trim();
            var end = i;
            if (!(rest.Length > 0 && rest.EndsWith('}')))
            {
                end = Array.FindIndex(lines, i + 1, l => l.StartsWith('}'));
                if (end < 0)
                {
                    // No closing brace at column 0: bash -n reports a real syntax error; an indented one is not a helper
                    // this check can compare, so it stops here rather than swallow the rest of the file.
                    break;
                }
            }

            functions.Add(new(m.Groups["name"].Value, i + 1, string.Join('\n', lines[i..(end + 1)])));
            i = end;
        }

        return functions;
    }

    /// <summary>
    /// One problem per script whose copy of a shared helper differs from the most common copy (on a tie, the copy in
    /// the first script by name), naming the function and the scripts that hold the reference copy.
    /// </summary>
    public static IEnumerable<ValidationProblem> Check(AssetPaths assets)
    {
        var scripts = Directory.Exists(assets.Scripts) ? Directory.GetFiles(assets.Scripts, "*.sh").Order(StringComparer.Ordinal).ToArray() : [];
        var copies = scripts
            .SelectMany(file => Functions(File.ReadAllText(file)).Select(f => (File: Path.GetRelativePath(assets.Root, file), Function: f)))
            .GroupBy(c => c.Function.Name, StringComparer.Ordinal)
            .Where(g => g.Select(c => c.File).Distinct().Count() > 1)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var helper in copies)
        {
            var variants = helper.GroupBy(c => c.Function.Text, StringComparer.Ordinal)
                .OrderByDescending(v => v.Count())
                .ThenBy(v => v.First().File, StringComparer.Ordinal)
                .ToList();
            var reference = string.Join(", ", variants[0].Select(c => c.File));
            foreach (var (file, function) in variants.Skip(1).SelectMany(v => v))
            {
                yield return new(file, function.Line, $"shared helper {helper.Key}() differs from its copy in {reference}; the scripts are standalone, so copy the helper verbatim and keep every copy the same");
            }
        }
    }
}
