using System.Diagnostics;
using System.Text;

namespace GpuImageBuilder.Build.Services.Processes;

/// <summary>What a finished command left behind.</summary>
public sealed record CommandResult(string Command, int ExitCode, string StdOut, string StdErr, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    public IEnumerable<string> OutputLines => (StdOut + "\n" + StdErr).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0);
}

public sealed class CommandOptions
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Added to (or, with a null value, removed from) the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>The command and its whole process tree are killed after this long.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Called for every line on stdout/stderr as it arrives (live status, logs).</summary>
    public Action<string>? OnLine { get; init; }

    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// Written to the command's standard input, which is then closed (no input: closed at once). For secrets a tool
    /// reads from stdin (<c>--password-stdin</c>): argv is visible to every user in /proc, stdin is not.
    /// </summary>
    public string? StandardInput { get; init; }
}

/// <summary>A command ran past its time limit; its process tree was killed.</summary>
public sealed class CommandTimeoutException(string command, TimeSpan timeout)
    : Exception($"{command} did not finish within {timeout:g} and was stopped");

/// <summary>A tool the build needs is not installed.</summary>
public sealed class ToolNotFoundException(string tool)
    : Exception($"{tool} not found on PATH: install it with tools/install-prerequisites.sh (see README.md, Prerequisites)");

public interface ICommandRunner
{
    Task<CommandResult> RunAsync(string tool, IEnumerable<string> arguments, CommandOptions? options = null);
}

/// <summary>
/// Runs external tools (packer, qemu-img, shellcheck...). Built on System.Diagnostics.Process rather than Cake's
/// process runner because the build needs what that one lacks: killing a whole process tree (Packer's QEMU) on
/// timeout or cancellation, and every output line as it arrives. Arguments go through ArgumentList, never a shell.
/// </summary>
public sealed class CommandRunner : ICommandRunner
{
    public static string? Which(string tool)
    {
        if (tool.Contains('/'))
        {
            return File.Exists(tool) ? Path.GetFullPath(tool) : null;
        }

        foreach (var dir in (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public async Task<CommandResult> RunAsync(string tool, IEnumerable<string> arguments, CommandOptions? options = null)
    {
        options ??= new CommandOptions();
        var path = Which(tool) ?? throw new ToolNotFoundException(tool);
        var psi = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = options.WorkingDirectory ?? System.Environment.CurrentDirectory,
        };
        var args = arguments.ToList();
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (key, value) in options.Environment)
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        var display = Path.GetFileName(tool) + (args.Count > 0 ? " " + string.Join(' ', args.Take(3)) + (args.Count > 3 ? " ..." : string.Empty) : string.Empty);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Collect(stdout, e.Data, options.OnLine);
        process.ErrorDataReceived += (_, e) => Collect(stderr, e.Data, options.OnLine);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await FeedInputAsync(process, options.StandardInput);

        using var timeout = new CancellationTokenSource(options.Timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, options.Cancellation);
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            if (options.Cancellation.IsCancellationRequested)
            {
                throw new OperationCanceledException($"{display} was cancelled", options.Cancellation);
            }

            throw new CommandTimeoutException(display, options.Timeout);
        }

        // WaitForExitAsync returns when the process exits; this drains the redirected streams.
        process.WaitForExit();
        return new CommandResult(display, process.ExitCode, stdout.ToString(), stderr.ToString(), watch.Elapsed);
    }

    private static async Task FeedInputAsync(Process process, string? input)
    {
        try
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input);
                await process.StandardInput.FlushAsync();
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The command exited without reading all of it (a broken pipe): its exit code tells the rest.
        }
    }

    private static void Collect(StringBuilder buffer, string? line, Action<string>? onLine)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.Append(line).Append('\n');
        }

        onLine?.Invoke(line);
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
