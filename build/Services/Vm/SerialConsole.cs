using System.Text;
using System.Text.RegularExpressions;

namespace GpuImageBuilder.Build.Services.Vm;

/// <summary>Reads a VM's serial-console log while QEMU is still writing it.</summary>
public static partial class SerialConsole
{
    [GeneratedRegex(@"\x1b\[[0-9;=?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|[\x00-\x08\x0b-\x1f]")]
    private static partial Regex ControlSequences();

    /// <summary>The last non-empty line of the log, without terminal control sequences; null if there is none.</summary>
    public static string? LastLine(string path, int maxLength = 160)
    {
        var tail = Tail(path, 8192);
        var last = tail
            .Split('\n')
            .Select(l => ControlSequences().Replace(l, string.Empty).Trim())
            .LastOrDefault(l => l.Length > 0);
        return last is null ? null : last.Length > maxLength ? last[..maxLength] : last;
    }

    /// <summary>The last <paramref name="bytes"/> bytes of the log as text (empty if it does not exist).</summary>
    public static string Tail(string path, int bytes)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var start = Math.Max(0, stream.Length - bytes);
            stream.Seek(start, SeekOrigin.Begin);
            var buffer = new byte[stream.Length - start];
            stream.ReadExactly(buffer);
            return Encoding.UTF8.GetString(buffer);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return string.Empty;
        }
    }
}
