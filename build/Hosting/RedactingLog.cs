using System.Collections.Concurrent;
using Cake.Core.Diagnostics;

namespace GpuImageBuilder.Build.Hosting;

/// <summary>
/// Every line the build logs passes through here, and every registered secret (API token, S3 keys) is replaced by
/// "[REDACTED]" before it reaches the console, at every verbosity. The build puts it in place of the host's ICakeLog
/// (ConfigureServices), because secrets can reach log lines through tool output and exception messages that no task
/// controls.
/// </summary>
public sealed class RedactingLog(ICakeLog inner) : ICakeLog
{
    public const string Mask = "[REDACTED]";

    private readonly ConcurrentDictionary<string, byte> _secrets = new(StringComparer.Ordinal);

    public Verbosity Verbosity
    {
        get => inner.Verbosity;
        set => inner.Verbosity = value;
    }

    /// <summary>Registers a value that must never be printed. Values shorter than 4 characters are ignored.</summary>
    public void AddSecret(string? secret)
    {
        if (!string.IsNullOrEmpty(secret) && secret.Length >= 4)
        {
            _secrets.TryAdd(secret, 0);
        }
    }

    public string Redact(string text)
    {
        if (_secrets.IsEmpty || string.IsNullOrEmpty(text))
        {
            return text;
        }

        // Longest first, so a secret that contains another is masked whole.
        foreach (var secret in _secrets.Keys.OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args)
    {
        if (verbosity > Verbosity)
        {
            return;
        }

        // Format here so that secrets inside arguments are caught too, then escape braces for the inner formatter.
        var text = args is { Length: > 0 } ? string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args) : format;
        inner.Write(verbosity, level, Redact(text).Replace("{", "{{").Replace("}", "}}"));
    }
}
