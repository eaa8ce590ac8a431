using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Services.Verify;

/// <summary>What one remote command left behind (ssh itself worked).</summary>
public sealed record RemoteResult(int ExitCode, string StdOut, string StdErr)
{
    public IEnumerable<string> StdOutLines => StdOut.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0);

    /// <summary>The first stderr line worth showing (sudo's "unable to resolve host" noise skipped).</summary>
    public string FirstError =>
        StdErr.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("sudo: unable to resolve host", StringComparison.Ordinal)) ?? string.Empty;
}

/// <summary>The instance could not be reached or refused us: one line naming the input to fix.</summary>
public sealed class InstanceUnreachableException(string message) : Exception(message);

/// <summary>
/// Runs commands on the instance with the OpenSSH client (through <see cref="ICommandRunner"/>), so the user's
/// ~/.ssh/config (Host aliases, ProxyJump, IdentityFile) and ssh-agent apply as they do for plain ssh. BatchMode
/// (never a password prompt), ConnectTimeout, and StrictHostKeyChecking=accept-new: a first connection records the
/// host key, a changed one is refused. ssh's own failures (exit 255) become <see cref="InstanceUnreachableException"/>.
/// </summary>
public sealed class InstanceShell(ICommandRunner runner, InstanceSettings instance)
{
    /// <summary>ssh exits 255 for its own errors (a remote command's 255 reads the same: none of ours exits so).</summary>
    public const int SshError = 255;

    public string Target => $"{instance.User}@{instance.Host}:{instance.Port}";

    public static IReadOnlyList<string> Arguments(InstanceSettings instance, string remoteCommand)
    {
        var args = new List<string>
        {
            "-o", "BatchMode=yes",
            "-o", $"ConnectTimeout={Math.Max(1, (int)instance.ConnectTimeout.TotalSeconds)}",
            "-o", "StrictHostKeyChecking=accept-new",
            // A dead connection mid-command ends within a minute instead of at the command timeout.
            "-o", "ServerAliveInterval=15",
            "-o", "ServerAliveCountMax=4",
            "-o", "LogLevel=ERROR",
            "-p", instance.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-l", instance.User,
        };
        if (instance.KnownHosts is { } knownHosts)
        {
            args.AddRange(["-o", $"UserKnownHostsFile={Path.GetFullPath(knownHosts)}"]);
        }

        if (instance.Key is { } key)
        {
            // Only that key: an agent offering others first can exhaust the server's MaxAuthTries.
            args.AddRange(["-i", Path.GetFullPath(key), "-o", "IdentitiesOnly=yes"]);
        }

        args.AddRange(["--", instance.Host, remoteCommand]);
        return args;
    }

    /// <summary>Runs <paramref name="remoteCommand"/> (a shell line on the instance), feeding <paramref name="input"/> on stdin.</summary>
    public async Task<RemoteResult> RunAsync(string remoteCommand, string? input, CancellationToken cancellation)
    {
        CommandResult result;
        try
        {
            result = await runner.RunAsync("ssh", Arguments(instance, remoteCommand), new CommandOptions
            {
                StandardInput = input,
                Timeout = instance.ConnectTimeout + instance.CommandTimeout,
                Cancellation = cancellation,
            });
        }
        catch (CommandTimeoutException)
        {
            throw new InstanceUnreachableException(
                $"{Target}: a remote command did not finish within {Span(instance.CommandTimeout)} (--{Arg.InstanceCommandTimeout}); the instance may be overloaded, or the connection hung");
        }

        if (result.ExitCode == SshError)
        {
            throw new InstanceUnreachableException(DescribeFailure(instance, result.StdErr));
        }

        return new RemoteResult(result.ExitCode, result.StdOut, result.StdErr);
    }

    /// <summary>
    /// --ssh-key checked before any connection: ssh loads a key only after it reached the server, so a wrong file
    /// would otherwise surface as a refused login, or not at all when the host is down. Reads the file only to look
    /// at its PEM armour; nothing of it is ever printed. A key others can read is refused by ssh itself: say so here.
    /// </summary>
    public static void CheckKey(string? key)
    {
        if (key is null)
        {
            return;
        }

        var text = File.ReadAllText(key);
        if (!text.TrimStart().StartsWith("-----BEGIN ", StringComparison.Ordinal) || !text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new InstanceUnreachableException($"--{Arg.SshKey} {key}: not a private key file (no -----BEGIN ... PRIVATE KEY----- armour): pass the private key, not the .pub file");
        }

        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(key) & others) != 0)
        {
            throw new InstanceUnreachableException($"--{Arg.SshKey} {key}: readable by other users, so ssh refuses it: chmod 600 {key}");
        }
    }

    /// <summary>ssh's stderr as one line naming what to fix.</summary>
    public static string DescribeFailure(InstanceSettings instance, string stderr)
    {
        var target = $"{instance.User}@{instance.Host}:{instance.Port}";
        bool Has(string text) => stderr.Contains(text, StringComparison.OrdinalIgnoreCase);
        if (Has("Could not resolve hostname"))
        {
            return $"{instance.Host}: cannot resolve the host name: check --{Arg.InstanceHost}";
        }

        if (Has("Connection refused"))
        {
            return $"{instance.Host}:{instance.Port} refused the connection: no SSH server there (still booting? check --{Arg.InstanceHost} and --{Arg.SshPort})";
        }

        if (Has("timed out") || Has("No route to host") || Has("Network is unreachable"))
        {
            return $"{instance.Host}:{instance.Port} is unreachable: no SSH answer within {Span(instance.ConnectTimeout)} (--{Arg.SshTimeout}); check --{Arg.InstanceHost}, --{Arg.SshPort} and firewalls";
        }

        if (Has("Load key") || Has("invalid format") || Has("no such identity") || Has("bad permissions") || Has("UNPROTECTED PRIVATE KEY"))
        {
            return $"--{Arg.SshKey} {instance.Key}: not a usable private key ({LastLine(stderr)})";
        }

        if (Has("Host key verification failed") || Has("REMOTE HOST IDENTIFICATION HAS CHANGED"))
        {
            return $"{target}: the host key does not match the known_hosts entry (a rebuilt instance at the same address?): remove the old entry (ssh-keygen -R) or pass --{Arg.SshKnownHosts}";
        }

        if (Has("Permission denied") || Has("Too many authentication failures"))
        {
            return $"{target} refused the authentication: check --{Arg.InstanceUser} and --{Arg.SshKey} (or the keys your ssh agent offers)";
        }

        if (Has("Connection reset") || Has("Connection closed") || Has("kex_exchange_identification"))
        {
            return $"{target} closed the connection before SSH started (still booting?): try again, check --{Arg.SshPort}";
        }

        return $"ssh to {target} failed: {LastLine(stderr)}";
    }

    /// <summary>A timeout as people write it (3 s, 10 min), not TimeSpan's 0:00:03.</summary>
    public static string Span(TimeSpan span) =>
        span.TotalSeconds < 120
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#} s")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{span.TotalMinutes:0.#} min");

    private static string LastLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "no message";

    /// <summary>One argument for the remote shell: single-quoted, so nothing in it is expanded there.</summary>
    public static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static string CommandLine(IEnumerable<string> arguments) => string.Join(' ', arguments.Select(Quote));
}
