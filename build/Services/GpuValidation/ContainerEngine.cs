using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Services.GpuValidation;

/// <summary>A container engine command failed; the message is one line naming what and why.</summary>
public sealed class ContainerEngineException(string message) : Exception(message);

/// <summary>One build: the context folder, the image's tag, its build arguments.</summary>
/// <param name="NoCache">Rebuild every layer (--force, and the reproducibility test: a cached layer proves nothing).</param>
public sealed record ContainerBuild(string ContextDirectory, string Tag, IReadOnlyDictionary<string, string> BuildArguments, bool NoCache);

/// <summary>
/// podman or docker, driven directly through the project's <see cref="ICommandRunner"/> (never the docker CLI on
/// podman's socket: it reported exit 0 for a failing container run with --rm). Builds are reproducible: the image's
/// created time and every file in its layers are stamped with <see cref="SourceDateEpoch"/> (podman's --timestamp;
/// docker's BuildKit reads SOURCE_DATE_EPOCH), so the same sources give the same image twice.
/// </summary>
public sealed class ContainerEngine(string tool, ICommandRunner runner, IBuildLog log)
{
    /// <summary>The timestamp of every reproducible build: 1970-01-01.</summary>
    public const string SourceDateEpoch = "0";

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(60);
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMinutes(5);

    /// <summary>podman or docker.</summary>
    public string Tool { get; } = tool;

    private bool IsPodman => Path.GetFileName(Tool) == "podman";

    /// <summary>Builds the context's Dockerfile into <see cref="ContainerBuild.Tag"/>; returns the local image ID (sha256:...).</summary>
    public async Task<string> BuildAsync(ContainerBuild build, CancellationToken cancellation)
    {
        List<string> args = ["build", "--file", Path.Combine(build.ContextDirectory, "Dockerfile"), "--tag", build.Tag];
        if (IsPodman)
        {
            // --timestamp stamps the config and every layer's files; --pull=never: bases are local or pinned.
            args.AddRange(["--timestamp", SourceDateEpoch, "--pull=never", "--network=none", "--layers"]);
        }
        else
        {
            args.AddRange(["--build-arg", "SOURCE_DATE_EPOCH=" + SourceDateEpoch, "--network=none"]);
        }

        if (build.NoCache)
        {
            args.Add("--no-cache");
        }

        foreach (var (key, value) in build.BuildArguments.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            args.AddRange(["--build-arg", $"{key}={value}"]);
        }

        args.Add(build.ContextDirectory);
        await RunChecked(args, $"build of {build.Tag}", BuildTimeout, cancellation, environment: new Dictionary<string, string?> { ["SOURCE_DATE_EPOCH"] = SourceDateEpoch });
        return await ImageIdAsync(build.Tag, cancellation) ?? throw new ContainerEngineException($"{Tool} build of {build.Tag} succeeded but the image is not there");
    }

    /// <summary>The local image ID (sha256 of its config), or null when there is no such image.</summary>
    public async Task<string?> ImageIdAsync(string reference, CancellationToken cancellation)
    {
        var result = await runner.RunAsync(Tool, ["image", "inspect", "--format", "{{.Id}}", reference], Options(ShortTimeout, cancellation));
        if (!result.Succeeded)
        {
            return null;
        }

        var id = result.StdOut.Trim();
        return id.StartsWith("sha256:", StringComparison.Ordinal) ? id : "sha256:" + id;
    }

    public async Task TagAsync(string source, string target, CancellationToken cancellation) =>
        await RunChecked(["tag", source, target], $"tag of {source} as {target}", ShortTimeout, cancellation);

    /// <summary>
    /// Logs in with the password on standard input (<c>login --password-stdin</c>), writing the credential only to
    /// <paramref name="authFile"/> (a private temp file the caller removes), never to the user's own auth file.
    /// </summary>
    public async Task LoginAsync(string registryHost, string user, string password, bool tlsVerify, string authFile, CancellationToken cancellation)
    {
        List<string> args = ["login", "--username", user, "--password-stdin"];
        if (IsPodman)
        {
            args.AddRange(["--authfile", authFile, "--tls-verify=" + Bool(tlsVerify)]);
        }

        args.Add(registryHost);
        var result = await runner.RunAsync(Tool, args, Options(ShortTimeout, cancellation, password + "\n", DockerConfig(authFile)));
        if (!result.Succeeded)
        {
            throw new ContainerEngineException($"{Tool} login to {registryHost} as {user} failed ({FirstLine(result, password)}): check --registry-username and the password");
        }
    }

    /// <summary>Pushes <paramref name="localTag"/> to <paramref name="target"/>; returns the manifest digest the registry stored.</summary>
    public async Task<string> PushAsync(string localTag, string target, bool tlsVerify, string? authFile, string scratch, CancellationToken cancellation)
    {
        if (!IsPodman)
        {
            await TagAsync(localTag, target, cancellation);
            await RunChecked(["push", target], $"push of {target}", BuildTimeout, cancellation, environment: DockerConfig(authFile));
            var inspect = await runner.RunAsync(Tool, ["image", "inspect", "--format", "{{range .RepoDigests}}{{println .}}{{end}}", target], Options(ShortTimeout, cancellation));
            var repository = target[..target.LastIndexOf(':')];
            return inspect.StdOut.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(repository + "@", StringComparison.Ordinal))?[(repository.Length + 1)..]
                ?? throw new ContainerEngineException($"docker push of {target}: no digest in RepoDigests");
        }

        var digestFile = Path.Combine(scratch, "digest-" + Guid.NewGuid().ToString("N"));
        // --digestfile: the digest the registry answered with, not one computed locally.
        List<string> args = ["push", "--tls-verify=" + Bool(tlsVerify), "--digestfile", digestFile];
        if (authFile is not null)
        {
            args.AddRange(["--authfile", authFile]);
        }

        args.AddRange([localTag, "docker://" + target]);
        await RunChecked(args, $"push of {target}", BuildTimeout, cancellation);
        var digest = File.ReadAllText(digestFile).Trim();
        File.Delete(digestFile);
        if (!digest.StartsWith("sha256:", StringComparison.Ordinal) || digest.Length != 71)
        {
            throw new ContainerEngineException($"podman push of {target} wrote digest '{digest}', not sha256:<64 hex>");
        }

        return digest;
    }

    public async Task PullAsync(string reference, bool tlsVerify, string? authFile, CancellationToken cancellation)
    {
        List<string> args = ["pull", "--quiet"];
        if (IsPodman)
        {
            args.Add("--tls-verify=" + Bool(tlsVerify));
            if (authFile is not null)
            {
                args.AddRange(["--authfile", authFile]);
            }
        }

        args.Add(reference);
        await RunChecked(args, $"pull of {reference}", BuildTimeout, cancellation, environment: DockerConfig(authFile));
    }

    /// <summary>
    /// Runs the image (no network, removed afterwards) and returns what it printed and its exit code. An empty
    /// <paramref name="command"/> runs the entrypoint; else the command replaces it, as a sandbox harness does.
    /// </summary>
    public Task<CommandResult> RunAsync(string reference, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellation) =>
        runner.RunAsync(
            Tool,
            command.Count == 0
                ? ["run", "--rm", "--network=none", reference]
                : ["run", "--rm", "--network=none", "--entrypoint", command[0], reference, .. command.Skip(1)],
            Options(timeout, cancellation));

    /// <summary>Removes the given tags (not the images other tags hold); a tag that is not there is no error.</summary>
    public async Task RemoveTagsAsync(IEnumerable<string> tags, CancellationToken cancellation)
    {
        foreach (var tag in tags)
        {
            await runner.RunAsync(Tool, ["rmi", tag], Options(ShortTimeout, cancellation));
        }
    }

    /// <summary>Runs an engine command that must succeed; else one line with its first error.</summary>
    public async Task<CommandResult> RunChecked(IEnumerable<string> args, string what, TimeSpan timeout, CancellationToken cancellation, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var result = await runner.RunAsync(Tool, args, Options(timeout, cancellation, environment: environment, onLine: line => log.Verbose($"{Path.GetFileName(Tool)}: {line}")));
        if (!result.Succeeded)
        {
            throw new ContainerEngineException($"{Path.GetFileName(Tool)} {what} failed (exit {result.ExitCode}): {FirstLine(result, null)}");
        }

        return result;
    }

    private static CommandOptions Options(TimeSpan timeout, CancellationToken cancellation, string? input = null, IReadOnlyDictionary<string, string?>? environment = null, Action<string>? onLine = null) =>
        new() { Timeout = timeout, Cancellation = cancellation, StandardInput = input, Environment = environment ?? new Dictionary<string, string?>(), OnLine = onLine };

    /// <summary>docker keeps logins in $DOCKER_CONFIG/config.json: point it at the private folder too.</summary>
    private IReadOnlyDictionary<string, string?>? DockerConfig(string? authFile) =>
        IsPodman || authFile is null ? null : new Dictionary<string, string?> { ["DOCKER_CONFIG"] = Path.GetDirectoryName(authFile) };

    private static string Bool(bool value) => value ? "true" : "false";

    /// <summary>The last "Error:" line (the engine's own verdict), else the last line; never the password.</summary>
    private static string FirstLine(CommandResult result, string? secret)
    {
        var lines = result.StdErr.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var line = lines.LastOrDefault(l => l.StartsWith("Error", StringComparison.OrdinalIgnoreCase)) ?? lines.LastOrDefault() ?? $"exit {result.ExitCode}";
        return secret is { Length: > 0 } ? line.Replace(secret, "[REDACTED]", StringComparison.Ordinal) : line;
    }
}
