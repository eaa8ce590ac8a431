using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Matrix;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Packer;
using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Services.Validation;

/// <summary>
/// The fail-first gate: every check over the templates, scripts, cloud-init and image definitions, run side by side,
/// every problem collected (file and line where the tool gives one) rather than stopping at the first.
/// Over 200 lines: each check is a short method over one kind of asset, and they share the problem list and the
/// parallel runner; splitting them would scatter the one list of what Validate checks. (Shell helper copies live in
/// <see cref="ShellHelperCopies"/>.)
/// </summary>
public sealed partial class AssetValidator(ICommandRunner runner, PackerTool packer)
{
    /// <summary>Version-like variables an image definition may set, with their rules.</summary>
    private static readonly IReadOnlyDictionary<string, Func<string, string?>> DefinitionRules = new Dictionary<string, Func<string, string?>>
    {
        ["nvidia_enable_gpu_firmware"] = v => v is "0" or "1" ? null : "must be \"0\" or \"1\"",
        ["verify_require_driver"] = v => v is "0" or "1" ? null : "must be \"0\" or \"1\"",
    };

    [GeneratedRegex(@"^\d{2}-[a-z0-9-]+\.sh$")]
    private static partial Regex ScriptName();

    // shellcheck -f gcc: file:line:column: severity: message [SCxxxx]
    [GeneratedRegex(@"^(?<file>[^:]+):(?<line>\d+):(?<col>\d+): (?<sev>\w+): (?<msg>.*)$")]
    private static partial Regex GccLine();

    // packer 1.6.6+: "  on templates/x.pkr.hcl line 12:" under an "Error: ..." line
    [GeneratedRegex(@"on (?<file>\S+) line (?<line>\d+)")]
    private static partial Regex PackerLocation();

    // cloud-init schema: "Error: Cloud config schema errors: ..." or "... line N ..."
    [GeneratedRegex(@"line (?<line>\d+)")]
    private static partial Regex AnyLine();

    /// <summary>Versions whose default is written in three places: the build's parameters, the template, the scripts.</summary>
    private static readonly (string Variable, string EnvironmentVariable, string Argument)[] SharedDefaults =
    [
        ("kubernetes_version", "KUBERNETES_VERSION", Arg.KubernetesVersion),
        ("nvidia_driver_version", "NVIDIA_DRIVER_VERSION", Arg.NvidiaDriverVersion),
        ("nvidia_kernel_module_flavor", "NVIDIA_KERNEL_MODULE_FLAVOR", Arg.NvidiaKernelModules),
        ("nvidia_container_toolkit_version", "NVIDIA_CONTAINER_TOOLKIT_VERSION", Arg.NvidiaContainerToolkitVersion),
    ];

    public async Task<IReadOnlyList<ValidationProblem>> ValidateAsync(AssetPaths assets, ImageCatalog catalog, BuildParameters parameters, string workDirectory)
    {
        var problems = new ConcurrentBag<ValidationProblem>();
        foreach (var p in CheckDefinitions(assets, catalog).Concat(CheckDefaults(assets)).Concat(CheckMatrixPins(assets)).Concat(CheckCombinations(assets, catalog, parameters)).Concat(ShellHelperCopies.Check(assets)))
        {
            problems.Add(p);
        }

        await Task.WhenAll(
            LintShellAsync(assets, problems),
            CheckSyntaxAsync(assets, problems),
            CheckCloudInitAsync(assets, problems),
            CheckPackerAsync(assets, catalog, parameters, workDirectory, problems));

        return problems.OrderBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.Line ?? 0).ThenBy(p => p.Message, StringComparer.Ordinal).ToList();
    }

    /// <summary>Pure checks: every script a definition names exists, names and versions are well-formed, the definition says what the image is.</summary>
    public static IEnumerable<ValidationProblem> CheckDefinitions(AssetPaths assets, ImageCatalog catalog)
    {
        if (!File.Exists(assets.CleanupScript))
        {
            yield return new(Relative(assets, assets.CleanupScript), null, "missing: every template run ends with it (shutdown_command)");
        }

        foreach (var image in catalog.Images)
        {
            var file = Relative(assets, image.VarFile);
            var lines = File.ReadAllLines(image.VarFile);
            int? LineOf(string key) => Array.FindIndex(lines, l => Regex.IsMatch(l, $@"^\s*{Regex.Escape(key)}\s*=")) is var i and >= 0 ? i + 1 : null;

            if (image.Name.Length > 63 || !Rules.ResourceName().IsMatch(image.Name))
            {
                yield return new(file, LineOf("image_name"), $"image_name '{image.Name}' is not a name the region accepts (1-63 letters, digits, '-', '_', '.')");
            }

            foreach (var script in image.BaseScripts.Concat(image.ImageScripts))
            {
                var line = LineOf(image.BaseScripts.Contains(script) ? "base_scripts" : "image_scripts");
                if (!ScriptName().IsMatch(script))
                {
                    yield return new(file, line, $"script '{script}' is not named NN-name.sh");
                }
                else if (!File.Exists(Path.Combine(assets.Scripts, script)))
                {
                    yield return new(file, line, $"script '{script}' does not exist in {Relative(assets, assets.Scripts)}/");
                }
            }

            foreach (var (variable, message) in ImageIdentity.Problems(image).Concat(DefinitionContract.Problems(image)))
            {
                yield return new(file, LineOf(variable) ?? LineOf("image_name"), $"{variable} {message}");
            }

            foreach (var (key, value) in image.Variables)
            {
                if (PackerVariables.SetByBuild.TryGetValue(key, out var owner))
                {
                    yield return new(file, LineOf(key), $"'{key}' is set by {owner}; remove it from the image definition");
                }
                else if (DefinitionRules.TryGetValue(key, out var rule) && value.Scalar is { } scalar && rule(scalar) is { } reason)
                {
                    yield return new(file, LineOf(key), $"{key} = \"{scalar}\": {reason}");
                }
            }
        }
    }

    /// <summary>
    /// The template's and the scripts' own defaults agree with the build's, so that a template or script run by hand
    /// makes the same image as the build does.
    /// </summary>
    public static IEnumerable<ValidationProblem> CheckDefaults(AssetPaths assets)
    {
        var templateFiles = Directory.Exists(assets.Templates) ? Directory.GetFiles(assets.Templates, "*.pkr.hcl") : [];
        foreach (var (variable, environmentVariable, argument) in SharedDefaults)
        {
            var expected = ParameterCatalog.Get(argument).Default;
            foreach (var file in templateFiles)
            {
                var text = File.ReadAllText(file);
                var m = Regex.Match(text, $"variable\\s+\"{variable}\"\\s*\\{{[^}}]*?default\\s*=\\s*\"([^\"]*)\"", RegexOptions.Singleline);
                if (m.Success && m.Groups[1].Value != expected)
                {
                    yield return new(Relative(assets, file), LineAt(text, m.Groups[1].Index), $"default {variable} = \"{m.Groups[1].Value}\" differs from the build's --{argument} default '{expected}'; make them the same");
                }
            }

            foreach (var script in Directory.Exists(assets.Scripts) ? Directory.GetFiles(assets.Scripts, "*.sh").Order(StringComparer.Ordinal).ToArray() : [])
            {
                var text = File.ReadAllText(script);
                foreach (Match m in Regex.Matches(text, $"\\$\\{{{environmentVariable}:-([^}}]*)\\}}"))
                {
                    if (m.Groups[1].Value != expected)
                    {
                        yield return new(Relative(assets, script), LineAt(text, m.Index), $"default {environmentVariable}={m.Groups[1].Value} differs from the build's --{argument} default '{expected}'; make them the same");
                    }
                }
            }
        }
    }

    /// <summary>
    /// The template's and the scripts' own defaults agree with the matrix's default combination, so that a template
    /// run by hand builds the default image: the base image pin, the pause image, the CUDA repository; and the
    /// pkgs.k8s.io repository 03 derives from each minor is the one the table names.
    /// </summary>
    public static IEnumerable<ValidationProblem> CheckMatrixPins(AssetPaths assets)
    {
        var table = SupportMatrix.Current;
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["base_image_url"] = table.DefaultUbuntu.BaseImage.Url,
            ["base_image_checksum"] = table.DefaultUbuntu.BaseImage.PackerChecksum,
            ["containerd_sandbox_image"] = table.DefaultKubernetes.PauseImage,
            ["nvidia_cuda_repo_distro"] = table.DefaultUbuntu.CudaRepositoryDistro,
        };
        foreach (var file in Directory.Exists(assets.Templates) ? Directory.GetFiles(assets.Templates, "*.pkr.hcl").Order(StringComparer.Ordinal).ToArray() : [])
        {
            var text = File.ReadAllText(file);
            foreach (var (variable, value) in expected)
            {
                var m = Regex.Match(text, $"variable\\s+\"{variable}\"\\s*\\{{[^}}]*?default\\s*=\\s*\"([^\"]*)\"", RegexOptions.Singleline);
                if (m.Success && m.Groups[1].Value != value)
                {
                    yield return new(Relative(assets, file), LineAt(text, m.Groups[1].Index), $"default {variable} = \"{m.Groups[1].Value}\" differs from the default combination of {SupportMatrix.RepositoryPath} ('{value}'); make them the same");
                }
            }
        }

        var scriptDefaults = new (string Script, string Variable, Func<string, string?> Check)[]
        {
            ("03-kubernetes-tools.sh", "KUBERNETES_APT_BASE_URL", baseUrl => table.Kubernetes
                .Where(k => $"{baseUrl.TrimEnd('/')}/{k.Minor}/deb/" != k.PackageRepository)
                .Select(k => $"KUBERNETES_APT_BASE_URL={baseUrl} gives {baseUrl.TrimEnd('/')}/{k.Minor}/deb/ for {k.Minor}, the table says {k.PackageRepository}")
                .FirstOrDefault()),
            ("04-nvidia-driver.sh", "NVIDIA_CUDA_REPO_DISTRO", distro => distro == table.DefaultUbuntu.CudaRepositoryDistro
                ? null
                : $"default NVIDIA_CUDA_REPO_DISTRO={distro} differs from the default Ubuntu release's '{table.DefaultUbuntu.CudaRepositoryDistro}' ({SupportMatrix.RepositoryPath})"),
        };
        foreach (var (script, variable, check) in scriptDefaults)
        {
            var path = Path.Combine(assets.Scripts, script);
            if (!File.Exists(path))
            {
                continue;
            }

            var text = File.ReadAllText(path);
            var m = Regex.Match(text, $"\\$\\{{{variable}:-([^}}]*)\\}}");
            if (m.Success && check(m.Groups[1].Value) is { } message)
            {
                yield return new(Relative(assets, path), LineAt(text, m.Index), message);
            }
        }
    }

    private static int LineAt(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    private async Task LintShellAsync(AssetPaths assets, ConcurrentBag<ValidationProblem> problems)
    {
        var files = assets.ShellScripts().ToList();
        if (files.Count == 0)
        {
            return;
        }

        var result = await runner.RunAsync("shellcheck", ["-x", "-f", "gcc", .. files.Select(f => Relative(assets, f))], new CommandOptions { WorkingDirectory = assets.Root, Timeout = TimeSpan.FromMinutes(2) });
        foreach (var line in result.OutputLines)
        {
            var m = GccLine().Match(line);
            if (m.Success)
            {
                problems.Add(new(m.Groups["file"].Value, int.Parse(m.Groups["line"].Value), $"shellcheck {m.Groups["sev"].Value}: {m.Groups["msg"].Value}"));
            }
        }

        if (!result.Succeeded && problems.IsEmpty)
        {
            problems.Add(new("shellcheck", null, string.Join(" ", result.OutputLines.Take(3))));
        }
    }

    private async Task CheckSyntaxAsync(AssetPaths assets, ConcurrentBag<ValidationProblem> problems)
    {
        foreach (var file in assets.ShellScripts())
        {
            var result = await runner.RunAsync("bash", ["-n", file], new CommandOptions { Timeout = TimeSpan.FromSeconds(30) });
            foreach (var line in result.OutputLines)
            {
                // bash: "FILE: line N: message"
                var m = Regex.Match(line, @": line (\d+): (.*)$");
                problems.Add(m.Success
                    ? new(Relative(assets, file), int.Parse(m.Groups[1].Value), "bash -n: " + m.Groups[2].Value)
                    : new(Relative(assets, file), null, "bash -n: " + line));
            }
        }
    }

    private async Task CheckCloudInitAsync(AssetPaths assets, ConcurrentBag<ValidationProblem> problems)
    {
        var checks = assets.CloudConfigs().Select(async file =>
        {
            var result = await runner.RunAsync("cloud-init", ["schema", "--config-file", file], new CommandOptions { Timeout = TimeSpan.FromMinutes(1) });
            if (result.Succeeded)
            {
                return;
            }

            // "Cloud config schema errors: key: reason, key: reason"; deprecation headers and a bare "Error:" are noise.
            var errors = result.OutputLines.Where(l => l.Contains("schema errors:", StringComparison.Ordinal)).ToList();
            if (errors.Count == 0)
            {
                errors = result.OutputLines.Where(l => l.Trim() is not ("Error:" or "") && !l.TrimEnd().EndsWith("deprecations:", StringComparison.Ordinal)).Take(3).ToList();
            }

            foreach (var line in errors)
            {
                var m = AnyLine().Match(line);
                problems.Add(new(Relative(assets, file), m.Success ? int.Parse(m.Groups["line"].Value) : null, "cloud-init schema: " + line.Trim()));
            }
        });
        await Task.WhenAll(checks);
    }

    /// <summary>
    /// packer validate for every supported combination (the user's own one included) of every image, standalone and
    /// layered where it has a parent. Runs that differ only in values Packer accepts as any string share one Packer
    /// process (<see cref="BuilderVisibleVariables"/>); each combination's own values are checked by
    /// <see cref="CheckCombinations"/>. A failure names every combination it stands for.
    /// </summary>
    private async Task CheckPackerAsync(AssetPaths assets, ImageCatalog catalog, BuildParameters parameters, string workDirectory, ConcurrentBag<ValidationProblem> problems)
    {
        await packer.EnsureQemuPluginAsync();

        // packer validate checks that the SSH key parses: hand it a real, throwaway seed.
        var seed = await new BuildSeed(runner).CreateAsync(Path.Combine(workDirectory, "validate-seed"), assets.BuildUserData, assets.MetaData);
        var visible = BuilderVisibleVariables.Read(assets.Templates);

        var runs = new List<Task>
        {
            FmtAsync(assets, assets.Templates, problems),
            FmtAsync(assets, catalog.Directory, problems),
        };
        foreach (var group in PackerRunsOverMatrix(assets, catalog, parameters, workDirectory, seed.Directory, seed.PrivateKeyFile).GroupBy(r => r.Key(visible)))
        {
            var first = group.First();
            runs.Add(ValidateOneAsync(assets, first.Run, first.Parameters, first.Layered, group.Select(r => r.Parameters.Combination.Id).Distinct().ToList(), problems));
        }

        await Task.WhenAll(runs);
    }

    /// <summary>One Packer run of one image in one combination, with what tells it apart from the others.</summary>
    internal sealed record MatrixRun(PackerRun Run, BuildParameters Parameters, bool Layered, IReadOnlyList<KeyValuePair<string, string>> Variables)
    {
        /// <summary>Runs with the same key get the same verdict from packer validate.</summary>
        public string Key(IReadOnlySet<string> builderVisible) =>
            $"{Run.Image.Name}|{Layered}|" + string.Join("|", Variables.Where(v => builderVisible.Contains(v.Key)).Select(v => $"{v.Key}={Shape(v.Key, v.Value)}"));

        /// <summary>
        /// The base image's URL and checksum reach Packer's ISO config, which judges them by form only (an http(s)
        /// URL; a known algorithm with a digest of its length): the bytes are checked when the image is downloaded.
        /// Two Ubuntu releases whose pins have the same form therefore get the same verdict; any other value, and
        /// any other builder-visible variable, is compared as it is.
        /// </summary>
        private static string Shape(string variable, string value) => variable switch
        {
            "base_image_url" when Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "https" or "http" && url.Host.Length > 0 => "<http(s) URL>",
            "base_image_checksum" when Sha256Checksum().IsMatch(value) => "<sha256:64 hex>",
            _ => value,
        };
    }

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex Sha256Checksum();

    /// <summary>Every combination of the matrix (and the parameters' own) × every image × standalone/layered.</summary>
    internal static IEnumerable<MatrixRun> PackerRunsOverMatrix(AssetPaths assets, ImageCatalog catalog, BuildParameters parameters, string workDirectory, string seedDirectory, string sshPrivateKeyFile)
    {
        var combinations = SupportMatrix.Current.Combinations().Prepend(parameters.Combination).Distinct();
        foreach (var combination in combinations)
        {
            var asCombination = parameters.WithCombination(combination);
            var pin = combination.Ubuntu.BaseImage;
            foreach (var image in catalog.Images)
            {
                // Validate each image the way the build runs it: standalone, and layered where it has a parent.
                foreach (var layered in image.Parent is null ? [false] : new[] { false, true })
                {
                    var run = new PackerRun(
                        image,
                        parameters.BaseImage?.Location ?? pin.Url,
                        parameters.BaseImage?.Checksum ?? pin.PackerChecksum,
                        RunBaseScripts: !layered,
                        OutputDirectory: Path.Combine(workDirectory, "validate-output"),
                        VmName: image.Name + ".qcow2",
                        SeedDirectory: seedDirectory,
                        SshPrivateKeyFile: sshPrivateKeyFile,
                        Accelerator: "tcg",
                        SerialLog: null);
                    yield return new MatrixRun(run, asCombination, layered, PackerVariables.Values(run, asCombination, assets));
                }
            }
        }
    }

    /// <summary>
    /// What packer validate does not see for each combination: every image's registered name is one the region
    /// accepts, no two combinations publish the same name, and the template declares every variable the build sets.
    /// </summary>
    public static IEnumerable<ValidationProblem> CheckCombinations(AssetPaths assets, ImageCatalog catalog, BuildParameters parameters)
    {
        var declared = TemplateDefaults.Declared(assets.Templates);

        // A published name may stand for several combinations only when they build the same image: they agree on
        // every axis the image carries (gpu-ready is one image whatever the driver branch).
        var names = new Dictionary<string, (string Carried, string Where)>(StringComparer.Ordinal);
        foreach (var combination in SupportMatrix.Current.Combinations())
        {
            foreach (var image in catalog.Images)
            {
                var file = Relative(assets, image.VarFile);
                var axes = ImageAxes.Of(image);
                var published = combination.PublishedName(image.Name, axes);
                var registered = $"{published}-{parameters.ImageVersion}";
                if (registered.Length > 63 || !Rules.ResourceName().IsMatch(registered))
                {
                    yield return new(file, null, $"matrix {combination.Id}: registered name '{registered}' is not one the region accepts (1-63 letters, digits, '-', '_', '.'); shorten image_name or --image-version");
                }

                var carried = $"{image.Name}|{(axes.Driver ? combination.Branch.Branch : "-")}|{(axes.Ubuntu ? combination.Ubuntu.Version : "-")}|{(axes.Kubernetes ? combination.Kubernetes.Minor : "-")}";
                if (names.TryGetValue(published, out var other) && other.Carried != carried)
                {
                    yield return new(file, null, $"matrix {combination.Id}: image name '{published}' is also the name of another image ({other.Where}); two different images must not publish one name");
                }

                names.TryAdd(published, (carried, combination.Id + "/" + image.Name));
            }
        }

        foreach (var variable in PackerVariables.SetByBuild.Keys.Where(v => !declared.Contains(v)))
        {
            yield return new(Relative(assets, assets.Templates), null, $"variable \"{variable}\" is set by the build but not declared in the templates; declare it in templates/variables.pkr.hcl");
        }
    }

    private async Task ValidateOneAsync(AssetPaths assets, PackerRun run, BuildParameters parameters, bool layered, IReadOnlyList<string> combinations, ConcurrentBag<ValidationProblem> problems)
    {
        var result = await packer.ValidateAsync(assets.Templates, PackerVariables.Arguments(run, parameters, assets));
        if (result.Succeeded)
        {
            return;
        }

        var matrix = combinations.Count == 1 ? combinations[0] : $"{combinations.Count} combinations: {string.Join(", ", combinations)}";
        var what = $"packer validate ({run.Image.Name}{(layered ? ", layered" : string.Empty)}; {matrix})";
        var errors = ParsePackerErrors(result.StdOut + "\n" + result.StdErr);
        if (errors.Count == 0)
        {
            errors = [(null, null, string.Join(" ", result.OutputLines.Take(5)))];
        }

        foreach (var (file, line, message) in errors)
        {
            problems.Add(new(Relative(assets, file is null ? assets.Templates : Path.GetFullPath(file, assets.Root)), line, $"{what}: {message}"));
        }
    }

    /// <summary>
    /// Packer's diagnostics: "Error: summary", then optionally "* detail" lines, "  on FILE line N:", source excerpt
    /// lines ("  30:   machine_typo = ..."), and a detail paragraph. One entry per "Error:" block.
    /// </summary>
    public static IReadOnlyList<(string? File, int? Line, string Message)> ParsePackerErrors(string output)
    {
        var result = new List<(string?, int?, string)>();
        var blocks = Regex.Split(output.Replace("\r", string.Empty), @"(?m)^(?=Error: )").Where(b => b.StartsWith("Error: ", StringComparison.Ordinal));
        foreach (var block in blocks)
        {
            var lines = block.Split('\n');
            var summary = lines[0]["Error: ".Length..].Trim();
            var location = PackerLocation().Match(block);
            var detail = lines.Skip(1)
                .Select(l => l.Trim())
                .Where(l => l.Length > 0 && !PackerLocation().IsMatch(l) && !SourceExcerpt().IsMatch(l) && l != "(source code not available)");
            var message = string.Join(" ", new[] { summary }.Concat(detail));
            result.Add(location.Success ? (location.Groups["file"].Value, int.Parse(location.Groups["line"].Value), message) : (null, null, message));
        }

        return result;
    }

    [GeneratedRegex(@"^\d+: ")]
    private static partial Regex SourceExcerpt();

    private async Task FmtAsync(AssetPaths assets, string directory, ConcurrentBag<ValidationProblem> problems)
    {
        var result = await packer.FmtCheckAsync(directory);
        if (result.Succeeded)
        {
            return;
        }

        var files = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var file in files.Length > 0 ? files : [directory])
        {
            problems.Add(new(Relative(assets, Path.GetFullPath(file, assets.Root)), null, $"not in canonical format: run packer fmt {Relative(assets, Path.GetFullPath(file, assets.Root))}"));
        }
    }

    private static string Relative(AssetPaths assets, string path) =>
        Path.GetRelativePath(assets.Root, Path.GetFullPath(path, assets.Root));
}
