using System.Text;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Vm;

namespace GpuImageBuilder.Build.Services.Audit;

/// <summary>
/// Audits a finished raw disk image offline and read-only: one guestfish session (<c>--ro</c>, inspection with
/// <c>-i</c>) copies out what the rules need into <c>workDirectory</c>, then <see cref="ImageAuditRules"/> run on that
/// copy. The image is never written. Everything lands under <c>workDirectory</c> (which the caller removes); only
/// libguestfs's own appliance cache (/var/tmp/.guestfs-UID) lives elsewhere, and is reused across runs.
/// Over 200 lines: the guestfish script and the parsing of its answers must change together, so they stay in one class.
/// </summary>
public sealed class ImageAuditor(ICommandRunner runner, IBuildLog log)
{
    /// <summary>The host file names inside workDirectory.</summary>
    public const string ScriptFile = "audit.guestfish";
    public const string TreeDirectory = "tree";

    /// <summary>Guest directories copied out whole (tar-out). /etc must exist; the others may be absent.</summary>
    private static readonly (string Guest, string Tar, bool Required)[] Directories =
    [
        ("/etc", "etc.tar", true),
        ("/root", "root.tar", false),
        ("/home", "home.tar", false),
    ];

    private const string DpkgStatusPath = "/var/lib/dpkg/status";
    private const string DpkgStatusFile = "dpkg-status";

    /// <summary>The guestfish executable (a name on PATH or a path).</summary>
    public string Guestfish { get; init; } = "guestfish";

    /// <summary>The whole guestfish session is stopped after this long (its appliance boots under TCG here).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A session with no output line for this long is stopped as stalled: its appliance is a VM too (TCG here). The
    /// probes of the script print as they go (line-buffered through stdbuf), so a healthy session is never silent long.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromMinutes(3);

    public async Task<AuditReport> AuditAsync(string rawImage, AuditExpectations expectations, string workDirectory, bool forceTcg, CancellationToken ct = default)
    {
        var image = Path.GetFullPath(rawImage);
        CheckImage(image);

        var work = Path.GetFullPath(workDirectory);
        Directory.CreateDirectory(work);
        var tree = Path.Combine(work, TreeDirectory);
        foreach (var stale in Directories.Select(d => Path.Combine(work, d.Tar)).Append(Path.Combine(work, DpkgStatusFile)))
        {
            File.Delete(stale);
        }

        if (Directory.Exists(tree))
        {
            Directory.Delete(tree, recursive: true);
        }

        await File.WriteAllTextAsync(Path.Combine(work, ScriptFile), Script(), ct);

        var environment = new Dictionary<string, string?>
        {
            // The libvirt backend needs a libvirt daemon; the direct backend runs qemu itself.
            ["LIBGUESTFS_BACKEND"] = System.Environment.GetEnvironmentVariable("LIBGUESTFS_BACKEND") ?? "direct",
        };
        if (forceTcg)
        {
            environment["LIBGUESTFS_BACKEND_SETTINGS"] = "force_tcg";
        }

        var guestfish = CommandRunner.Which(Guestfish) ?? throw new ToolNotFoundException(Guestfish);
        using var stall = new StallWatch(StallTimeout);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, stall.Token);
        CommandResult result;
        try
        {
            // stdbuf: guestfish's stdout is a pipe here, which C stdio would buffer until exit, hiding progress.
            result = await runner.RunAsync(
                "stdbuf",
                ["-oL", guestfish, "--ro", "--format=raw", "-a", image, "-i", "-f", ScriptFile],
                new CommandOptions
                {
                    WorkingDirectory = work,
                    Environment = environment,
                    Timeout = Timeout,
                    Cancellation = stop.Token,
                    OnLine = line =>
                    {
                        stall.Activity(line);
                        log.Verbose(line);
                    },
                });
        }
        catch (OperationCanceledException) when (stall.Stalled && !ct.IsCancellationRequested)
        {
            throw VmStalledException.From("audit (guestfish appliance)", stall);
        }

        if (!result.Succeeded)
        {
            throw new ImageAuditException(Explain(image, result));
        }

        var answers = ParseAnswers(result.StdOut);

        // The copy holds /etc/shadow and private keys: keep it to the owner.
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(tree);
        }
        else
        {
            Directory.CreateDirectory(tree, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        foreach (var (guest, tar, required) in Directories)
        {
            var isDir = Answer(answers, "is-dir", guest, result);
            var tarFile = Path.Combine(work, tar);
            if (!isDir)
            {
                if (required)
                {
                    throw new ImageAuditException($"{image}: the inspected root file system has no {guest} directory");
                }

                continue;
            }

            if (!File.Exists(tarFile))
            {
                throw new ImageAuditException($"{image}: guestfish could not copy out {guest}: {Tail(result.StdErr)}");
            }

            GuestTree.ExtractTar(tarFile, Path.Combine(tree, guest.TrimStart('/')));
            File.Delete(tarFile);
        }

        foreach (var swap in ImageAuditRules.SwapFiles)
        {
            if (Answer(answers, "exists", swap, result))
            {
                // A marker where the guest has the file: the rules only ask whether it exists.
                var marker = Path.Combine(tree, swap.TrimStart('/'));
                Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
                await File.WriteAllTextAsync(marker, $"{swap} exists in the image (marker written by the audit)\n", ct);
            }
        }

        IReadOnlyList<InstalledPackage> packages = [];
        if (Answer(answers, "is-file", DpkgStatusPath, result))
        {
            var downloaded = Path.Combine(work, DpkgStatusFile);
            if (!File.Exists(downloaded))
            {
                throw new ImageAuditException($"{image}: guestfish could not copy out {DpkgStatusPath}: {Tail(result.StdErr)}");
            }

            var target = Path.Combine(tree, DpkgStatusPath.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(downloaded, target);
            packages = DpkgStatus.Parse(await File.ReadAllTextAsync(target, ct));
        }

        var contents = ImageContents.From(packages, ListedNames(result.StdOut, ImageContents.DkmsNvidiaDirectory));
        var policy = NodePolicy.Read(tree, packages);
        List<string> violations = [.. ImageAuditRules.Check(tree, expectations, packages, policy), .. contents.Mismatches(expectations)];
        return new AuditReport(violations, packages) { GuestfishElapsed = result.Elapsed, Contents = contents, Policy = policy };
    }

    /// <summary>
    /// The guestfish script. Each probe prints a marker line then "true"/"false"; copies of optional paths are
    /// prefixed with '-' (errors ignored) and judged afterwards against the probe's answer. Host file names are
    /// relative to the working directory, so no host path needs quoting.
    /// </summary>
    public static string Script()
    {
        var s = new StringBuilder();
        s.AppendLine("# Written by the AuditImage task; run with guestfish --ro -i. Reads only.");
        foreach (var (guest, _, _) in Directories)
        {
            Probe(s, "is-dir", guest, " followsymlinks:true");
        }

        foreach (var swap in ImageAuditRules.SwapFiles)
        {
            Probe(s, "exists", swap, string.Empty);
        }

        Probe(s, "is-file", DpkgStatusPath, " followsymlinks:true");

        // DKMS keeps one folder per module version it built: nvidia.ko's version without reading the module.
        s.AppendLine($"echo @@ls {ImageContents.DkmsNvidiaDirectory}");
        s.AppendLine($"-ls {ImageContents.DkmsNvidiaDirectory}");
        s.AppendLine("echo @@end");
        foreach (var (guest, tar, required) in Directories)
        {
            s.AppendLine($"{(required ? string.Empty : "-")}tar-out {guest} {tar}");
        }

        s.AppendLine($"-download {DpkgStatusPath} {DpkgStatusFile}");
        return s.ToString();
    }

    private static void Probe(StringBuilder s, string command, string path, string options)
    {
        s.AppendLine($"echo @@{command} {path}");
        s.AppendLine($"{command} {path}{options}");
    }

    private static Dictionary<string, string> ParseAnswers(string stdout)
    {
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        string? pending = null;
        foreach (var line in stdout.Split('\n').Select(l => l.Trim()))
        {
            if (line.StartsWith("@@", StringComparison.Ordinal))
            {
                pending = line[2..];
            }
            else if (pending is not null && line is "true" or "false")
            {
                answers[pending] = line;
                pending = null;
            }
        }

        return answers;
    }

    /// <summary>The entries an <c>ls</c> listed between its marker and the end marker (none when it failed).</summary>
    private static IReadOnlyList<string> ListedNames(string stdout, string directory)
    {
        var lines = stdout.Split('\n').Select(l => l.Trim()).ToList();
        var start = lines.IndexOf($"@@ls {directory}");
        if (start < 0)
        {
            return [];
        }

        return lines.Skip(start + 1).TakeWhile(l => l != "@@end").Where(l => l.Length > 0 && char.IsAsciiDigit(l[0])).ToList();
    }

    private static bool Answer(Dictionary<string, string> answers, string command, string path, CommandResult result) =>
        answers.TryGetValue($"{command} {path}", out var answer)
            ? answer == "true"
            : throw new ImageAuditException($"guestfish gave no answer to '{command} {path}': {Tail(result.StdOut + "\n" + result.StdErr)}");

    /// <summary>Fail before booting an appliance where the file alone shows the audit cannot work.</summary>
    private static void CheckImage(string image)
    {
        if (Directory.Exists(image))
        {
            throw new ImageAuditException($"{image}: is a directory, not a raw disk image");
        }

        if (!File.Exists(image))
        {
            throw new ImageAuditException($"{image}: image not found (run ConvertRaw first, or pass the raw image's path)");
        }

        var head = new byte[4];
        try
        {
            using var stream = File.OpenRead(image);
            if (stream.Length == 0)
            {
                throw new ImageAuditException($"{image}: image is empty (0 bytes)");
            }

            stream.ReadExactly(head);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ImageAuditException($"{image}: image cannot be read: {ex.Message}", ex);
        }

        if (head is [(byte)'Q', (byte)'F', (byte)'I', 0xfb])
        {
            throw new ImageAuditException($"{image}: is a qcow2 image; the audit reads the raw image (convert it with qemu-img convert -O raw)");
        }
    }

    private static string Explain(string image, CommandResult result)
    {
        var stderr = result.StdErr;
        if (stderr.Contains("no operating system was found", StringComparison.Ordinal))
        {
            return $"{image}: libguestfs inspection found no operating system on this disk (is it a finished image? a cleanly shut down root file system with /etc is needed)";
        }

        if (stderr.Contains("multi-boot operating systems are not supported", StringComparison.Ordinal))
        {
            return $"{image}: libguestfs inspection found more than one operating system; the audit needs exactly one";
        }

        return $"{image}: guestfish failed (exit {result.ExitCode}): {Tail(stderr.Length > 0 ? stderr : result.StdOut)}";
    }

    private static string Tail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : string.Join(" | ", lines.TakeLast(5));
    }
}
