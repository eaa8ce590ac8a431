using System.Diagnostics;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tests.Infrastructure;

public sealed record HostResult(int ExitCode, string StdOut, string StdErr)
{
    public string Output => StdOut + StdErr;

    /// <summary>The numbered plan lines a --dryrun prints ("1. Validate").</summary>
    public IReadOnlyList<string> PlannedTasks =>
        StdOut.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 2 && char.IsDigit(l[0]) && l.Contains(". "))
            .Select(l => l[(l.IndexOf(". ", StringComparison.Ordinal) + 2)..])
            .ToList();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
}

/// <summary>
/// Runs the real build host (Build.dll, copied next to the tests) as a separate process, the way build.sh does,
/// in a sandbox folder that looks like a checkout: the repository's definitions and cake.config, but no .env and
/// none of the developer's environment variables, so the tests see only what they set.
/// </summary>
public sealed class HostRunner : IDisposable
{
    public HostRunner(bool copyTemplates = true)
    {
        Directory = Path.Combine(Path.GetTempPath(), "gib-host-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "build"));
        File.WriteAllText(Path.Combine(Directory, "build", "Build.csproj"), "<!-- marker: the host treats this folder as the repository root -->");
        File.Copy(RepoPaths.InRepo("cake.config"), Path.Combine(Directory, "cake.config"));
        if (copyTemplates)
        {
            CopyTree(RepoPaths.InRepo("templates"), Path.Combine(Directory, "templates"));
        }
    }

    public string Directory { get; }

    /// <summary>Run the test host (Build.Tests.dll: the build's tasks plus test-only ones such as FailOnPurpose).</summary>
    public bool WithTestTasks { get; init; }

    private string HostDll => Path.Combine(AppContext.BaseDirectory, WithTestTasks ? "Build.Tests.dll" : "Build.dll");

    public Dictionary<string, string> Environment { get; } = [];

    public string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    public void WriteFile(string relativePath, string text)
    {
        var path = PathOf(relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public HostResult Run(params string[] args)
    {
        var dll = HostDll;
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        // Nothing of the developer's own configuration leaks in.
        foreach (var definition in ParameterCatalog.All)
        {
            psi.Environment.Remove(definition.Environment);
        }

        psi.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in Environment)
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The build host did not finish in 60 s: " + string.Join(' ', args));
        }

        return new HostResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the real host in the real repository (templates, scripts, fixture), for pipeline tests.</summary>
    /// <remarks>
    /// The host is started through python3 with SIGINT reset to its default: a test runner started in the
    /// background of a non-interactive shell (as CI may do) ignores SIGINT, children inherit that, and an
    /// ignored-at-start SIGINT cannot be caught - a user's Ctrl-C in a terminal never is.
    /// </remarks>
    public static Process StartInRepository(IEnumerable<string> args, Action<string> onLine, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("python3")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])");
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Build.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var definition in ParameterCatalog.All)
        {
            psi.Environment.Remove(definition.Environment);
        }

        psi.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { onLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { onLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs the real host in the real repository and waits (killing it after <paramref name="timeout"/>).</summary>
    public static HostResult RunInRepository(IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var output = new System.Text.StringBuilder();
        using var process = StartInRepository(args, environment: environment, onLine: line =>
        {
            lock (output)
            {
                output.Append(line).Append('\n');
            }

            TestProgressAttribute.Line(line);
        });
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the build did not finish in {timeout}:\n{output}");
        }

        process.WaitForExit();
        lock (output)
        {
            return new HostResult(process.ExitCode, output.ToString(), string.Empty);
        }
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void CopyTree(string from, string to)
    {
        if (!System.IO.Directory.Exists(from))
        {
            return;
        }

        foreach (var dir in System.IO.Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            System.IO.Directory.CreateDirectory(dir.Replace(from, to));
        }

        System.IO.Directory.CreateDirectory(to);
        foreach (var file in System.IO.Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to));
        }
    }
}
