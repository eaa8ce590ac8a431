using System.Security.Cryptography;
using System.Text;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Services.GpuValidation;

/// <summary>
/// A base image made here from Debian packages, for cuda-basic's BUILD_IMAGE / BASE_IMAGE build arguments (users
/// get public nvidia/cuda and ubuntu images by default; this build needs no registry and no network but Debian's).
/// <see cref="Packages"/> are pinned to exact versions: a new version is a new key, a new base, a new digest.
/// </summary>
/// <param name="Variant">mmdebstrap's --variant.</param>
public sealed record DebianBase(string Name, string Suite, string Variant, IReadOnlyList<string> Components, IReadOnlyList<string> Packages)
{
    public const string Mirror = "http://deb.debian.org/debian";

    /// <summary>cuda-basic's build stage: nvcc 11.8 with the static cudart, and g++-11 (nvcc 11.8 refuses gcc 12).</summary>
    public static DebianBase CudaBuild { get; } = new(
        "cuda-build",
        "bookworm",
        "apt",
        ["main", "contrib", "non-free"],
        ["nvidia-cuda-toolkit=11.8.89~11.8.0-5~deb12u1", "nvidia-cuda-dev=11.8.89~11.8.0-5~deb12u1", "g++-11=11.3.0-12"]);

    /// <summary>cuda-basic's runtime: Debian's essential set (libc, libstdc++, /bin/sh); the driver comes from the host.</summary>
    public static DebianBase CudaRuntime { get; } = new("cuda-runtime", "bookworm", "essential", ["main"], ["libstdc++6=12.2.0-14+deb12u1"]);

    /// <summary>Every input that decides the base's content, one per line; its hash is the cache key.</summary>
    public string InputsText =>
        $"mmdebstrap --variant={Variant} --components={string.Join(',', Components)} --include={string.Join(',', Packages)} {Suite} {Mirror}";

    public string Key => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(InputsText)))[..16];
}

/// <summary>
/// Makes and caches the <see cref="DebianBase"/> images: mmdebstrap writes a root file system tarball under
/// output/validation-images/bases/&lt;name&gt;-&lt;key&gt;.tar (kept: the CUDA one takes minutes and 1.6 GB of
/// downloads), and a FROM scratch + ADD build turns it into a local image with fixed timestamps. Both steps are
/// skipped when their result is there, so CI pays for the CUDA base once.
/// </summary>
public sealed class DebianBaseImages(ICommandRunner runner, IBuildLog log)
{
    public const string Repository = "localhost/gpu-image-builder-bases";

    public static string Tag(DebianBase spec) => $"{Repository}/{spec.Name}:{spec.Key}";

    /// <summary>The base's local tag, built if missing (the tarball too, if missing).</summary>
    public async Task<string> EnsureAsync(DebianBase spec, ContainerEngine engine, string basesDirectory, CancellationToken cancellation)
    {
        var tag = Tag(spec);
        if (await engine.ImageIdAsync(tag, cancellation) is not null)
        {
            log.Information($"Base {spec.Name}: cached ({tag})");
            return tag;
        }

        var context = Path.Combine(basesDirectory, $"{spec.Name}-{spec.Key}");
        var tarball = Path.Combine(context, "rootfs.tar");
        if (!File.Exists(tarball))
        {
            await MakeRootFs(spec, context, tarball, cancellation);
        }

        // ADD extracts the tarball; --timestamp in the engine stamps every file, so the base's digest follows its content.
        AtomicFile.WriteAllText(Path.Combine(context, "Dockerfile"), "FROM scratch\nADD rootfs.tar /\nCMD [\"/bin/sh\"]\n");
        log.Information($"Base {spec.Name}: importing {tarball}");
        await engine.BuildAsync(new ContainerBuild(context, tag, new Dictionary<string, string>(), NoCache: false), cancellation);
        return tag;
    }

    private async Task MakeRootFs(DebianBase spec, string context, string tarball, CancellationToken cancellation)
    {
        if (CommandRunner.Which("mmdebstrap") is null)
        {
            throw new ContainerEngineException($"base {spec.Name}: mmdebstrap is not installed; run tools/install-prerequisites.sh");
        }

        Directory.CreateDirectory(context);
        var partial = tarball + ".partial";
        log.Information($"Base {spec.Name}: mmdebstrap {spec.Suite} {string.Join(' ', spec.Packages)} (minutes; done once, then cached)");
        var result = await runner.RunAsync(
            "mmdebstrap",
            [
                "--variant=" + spec.Variant,
                "--components=" + string.Join(',', spec.Components),
                "--include=" + string.Join(',', spec.Packages),
                "--aptopt=APT::Install-Recommends \"false\"",
                "--aptopt=Acquire::Retries \"3\"",
                // mmdebstrap already drops apt's lists and caches; logs carry the day they were written.
                "--customize-hook=find \"$1\"/var/log -type f -delete",
                "--format=tar",
                spec.Suite,
                partial,
                $"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] {DebianBase.Mirror} {spec.Suite} {string.Join(' ', spec.Components)}",
            ],
            new CommandOptions
            {
                Timeout = TimeSpan.FromMinutes(45),
                Cancellation = cancellation,
                Environment = new Dictionary<string, string?> { ["SOURCE_DATE_EPOCH"] = ContainerEngine.SourceDateEpoch },
                OnLine = line => log.Verbose("mmdebstrap: " + line),
            });
        if (!result.Succeeded)
        {
            File.Delete(partial);
            var why = result.StdErr.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("E:", StringComparison.Ordinal) || l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? $"exit {result.ExitCode}";
            throw new ContainerEngineException($"base {spec.Name}: mmdebstrap failed ({why}); a pinned version may have left the mirror: update it in DebianBaseImages.cs");
        }

        File.Move(partial, tarball, overwrite: true);
    }
}
