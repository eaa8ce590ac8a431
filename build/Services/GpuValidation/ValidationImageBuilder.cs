using System.Security.Cryptography;
using System.Text;
using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Services.GpuValidation;

/// <summary>Where the image sources are and where the built images go.</summary>
/// <param name="SourcesDirectory">tests/gpu/images: one folder per image.</param>
/// <param name="WorkDirectory">output/validation-images: staged contexts, cached bases, built.json.</param>
/// <param name="Repository">Local repository prefix of the built tags; tests use their own, so runs never collide.</param>
/// <param name="NoCache">Rebuild every layer of the images (the cached Debian bases stay).</param>
/// <param name="BasesDirectory">Where the Debian bases' tarballs are cached; default WorkDirectory/bases.</param>
public sealed record ValidationBuildOptions(string SourcesDirectory, string WorkDirectory, string Repository = ValidationImageBuilder.DefaultRepository, bool NoCache = false, string? BasesDirectory = null)
{
    public string BuiltFile => Path.Combine(WorkDirectory, "built.json");

    public string Bases => BasesDirectory ?? Path.Combine(WorkDirectory, "bases");
}

/// <summary>
/// Builds smoke-pass, smoke-fail and cuda-basic reproducibly: each from a staged copy of its folder (only the files
/// its Dockerfile copies, so an editor's backup file cannot change a digest), with every input pinned and recorded:
/// the sources' hash, busybox's hash and package version, the Debian bases' pinned packages and image IDs.
/// </summary>
public sealed class ValidationImageBuilder(DebianBaseImages bases, ICommandRunner runner, IBuildLog log)
{
    public const string DefaultRepository = "localhost/gpu-image-builder";

    /// <summary>Debian's busybox-static: one static binary, the whole userland of the smoke images.</summary>
    public const string BusyboxPath = "/bin/busybox";

    /// <summary>The files of each image's folder that go into its build context.</summary>
    private static readonly IReadOnlyDictionary<string, string[]> Sources = new Dictionary<string, string[]>
    {
        [ValidationImages.SmokePass] = ["Dockerfile", "workload.sh"],
        [ValidationImages.SmokeFail] = ["Dockerfile", "workload.sh"],
        [ValidationImages.CudaBasic] = ["Dockerfile", "workload.sh", "cuda-basic.cu"],
    };

    /// <summary>The explicit command of each workload (the same as its entrypoint), for harnesses that replace it.</summary>
    public static IReadOnlyList<string> CommandOf(string name) =>
        name == ValidationImages.CudaBasic ? ["/usr/local/bin/workload.sh"] : ["/workload.sh"];

    public async Task<BuiltValidationImages> BuildAsync(ContainerEngine engine, ValidationBuildOptions options, CancellationToken cancellation)
    {
        var images = new List<BuiltImage>();
        foreach (var name in ValidationImages.All)
        {
            images.Add(await BuildOne(engine, options, name, cancellation));
        }

        var built = new BuiltValidationImages(BuiltValidationImages.CurrentSchemaVersion, Path.GetFileName(engine.Tool), images);
        ValidationImageFiles.WriteBuilt(options.BuiltFile, built);
        return built;
    }

    private async Task<BuiltImage> BuildOne(ContainerEngine engine, ValidationBuildOptions options, string name, CancellationToken cancellation)
    {
        var source = Path.Combine(options.SourcesDirectory, name);
        var context = Path.Combine(options.WorkDirectory, "contexts", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(context);
        try
        {
            var inputs = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["sources"] = StageSources(source, context, name) };
            var buildArgs = new Dictionary<string, string>();
            if (name == ValidationImages.CudaBasic)
            {
                foreach (var (arg, spec) in new[] { ("BUILD_IMAGE", DebianBase.CudaBuild), ("BASE_IMAGE", DebianBase.CudaRuntime) })
                {
                    var tag = await bases.EnsureAsync(spec, engine, options.Bases, cancellation);
                    buildArgs[arg] = tag;
                    inputs[arg] = $"{tag} {await engine.ImageIdAsync(tag, cancellation)}";
                    inputs[arg + " packages"] = spec.InputsText;
                }

                // nvcc 11.8 refuses Debian 12's gcc 12; NVIDIA's devel images need no -ccbin (the default: empty).
                buildArgs["NVCC_HOST_COMPILER"] = "g++-11";
                inputs["NVCC_HOST_COMPILER"] = "g++-11";
            }
            else
            {
                File.Copy(BusyboxPath, Path.Combine(context, "busybox"));
                inputs["busybox"] = $"sha256:{Sha256Of(BusyboxPath)} ({await BusyboxPackage(cancellation)})";
            }

            var builtTag = $"{options.Repository}/{name}:built";
            log.Information($"Building {name} ({builtTag})");
            var id = await engine.BuildAsync(new ContainerBuild(context, builtTag, buildArgs, options.NoCache), cancellation);
            log.Information($"Built {name}: image {id}");
            return new BuiltImage(name, builtTag, id, CommandOf(name), inputs);
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }

    /// <summary>Copies the image's source files into the context (the Dockerfiles fix their modes with COPY --chmod); returns the hash over them.</summary>
    private static string StageSources(string source, string context, string name)
    {
        var hash = new StringBuilder();
        foreach (var file in Sources[name])
        {
            var from = Path.Combine(source, file);
            if (!File.Exists(from))
            {
                throw new FileNotFoundException($"{from} is missing: the {name} validation image needs it (see tests/gpu/images/README.md)");
            }

            var to = Path.Combine(context, file);
            File.Copy(from, to);
            hash.Append(Sha256Of(to)).Append("  ").Append(file).Append('\n');
        }

        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hash.ToString())));
    }

    private async Task<string> BusyboxPackage(CancellationToken cancellation)
    {
        if (!File.Exists(BusyboxPath))
        {
            throw new FileNotFoundException($"{BusyboxPath} is missing: install busybox-static (tools/install-prerequisites.sh); the smoke images are built from it");
        }

        var result = await runner.RunAsync("dpkg-query", ["-W", "-f=${Package} ${Version}", "busybox-static"], new CommandOptions { Timeout = TimeSpan.FromSeconds(30), Cancellation = cancellation });
        return result.Succeeded ? result.StdOut.Trim() : "busybox (not from a Debian package)";
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
