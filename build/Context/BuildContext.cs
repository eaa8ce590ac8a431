using System.Runtime.InteropServices;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Packer;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Pipeline;

namespace GpuImageBuilder.Build.Context;

/// <summary>
/// What every task sees: the parameters (resolved once, checked by <see cref="BuildLifetime"/> before any task runs),
/// the image definitions and the artifact paths.
/// </summary>
public sealed class BuildContext : FrostingContext
{
    public BuildContext(ICakeContext context)
        : base(context)
    {
        var target = context.Arguments.HasArgument("target") ? context.Arguments.GetArguments("target").Last() : "Default";
        var sources = ParameterSources.FromCake(context);

        // A broken definitions folder must not break --help or --tree: it becomes an input problem instead.
        var definitionsDirectory = sources.Resolve(ParameterCatalog.Get(Arg.Definitions)).Value ?? "templates/images";
        try
        {
            Catalog = ImageCatalog.Load(definitionsDirectory);
        }
        catch (ImageDefinitionException ex)
        {
            CatalogError = ex.Message;
        }

        Parameters = BuildParameters.Create(sources, target, Catalog?.Names.ToList() ?? []);
        if (context.Log is RedactingLog redactor)
        {
            foreach (var secret in Parameters.Secrets)
            {
                redactor.AddSecret(secret);
            }
        }

        Paths = new ArtifactPaths(Path.GetFullPath(Parameters.OutputDirectory));
        Assets = new AssetPaths(System.Environment.CurrentDirectory);
        Runner = new CommandRunner();
        Packer = new PackerTool(Runner);
        ServiceLog = new CakeServiceLog(context.Log);
        _pipeline = new Lazy<ImagePipeline>(() => new ImagePipeline(Parameters, Catalog!, Assets, Paths, Runner, Packer, ServiceLog));

        // Ctrl-C (SIGINT), `kill` and CI cancellation (SIGTERM) and a closed terminal (SIGHUP) all stop the child
        // processes (Packer, QEMU) and clean up, rather than dying mid-write and leaving a VM running. A second
        // signal is not intercepted: it terminates at once. (A SIGINT that was ignored when the build started, as
        // for a background job of a non-interactive shell, stays ignored: that is Unix's rule, not ours.)
        _signals = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, signal =>
        {
            if (_cancellation.IsCancellationRequested)
            {
                return;
            }

            signal.Cancel = true;
            try
            {
                context.Log.Warning($"Interrupted ({signal.Signal}): stopping child processes and cleaning up (signal again to kill)...");
            }
            catch (IOException)
            {
                // SIGHUP: the terminal may already be gone; cleaning up matters more than saying so.
            }

            _cancellation.Cancel();
        }))];
    }

    // Held for the life of the build: a registration that is collected or disposed stops intercepting its signal.
    private readonly PosixSignalRegistration[] _signals;
    private readonly Lazy<ImagePipeline> _pipeline;
    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>Cancelled on Ctrl-C.</summary>
    public CancellationToken Cancellation => _cancellation.Token;

    public IBuildLog ServiceLog { get; }

    /// <summary>The image steps (BuildQcow2, ConvertRaw, Checksum...), shared by the tasks of one run.</summary>
    public ImagePipeline Pipeline => _pipeline.Value;

    /// <summary>Templates, scripts and cloud-init of this checkout.</summary>
    public AssetPaths Assets { get; }

    public ICommandRunner Runner { get; }

    public PackerTool Packer { get; }

    /// <summary>A scratch folder for one task, removed by the caller's using.</summary>
    public ScratchDirectory Scratch(string purpose) => new(Path.Combine(Paths.Work, $"{purpose}-{Guid.NewGuid():N}"));

    public BuildParameters Parameters { get; }

    /// <summary>Null only when the definitions could not be read; the lifetime then fails before any task runs.</summary>
    public ImageCatalog? Catalog { get; }

    public string? CatalogError { get; }

    public ArtifactPaths Paths { get; }

    /// <summary>The selected images, parents first.</summary>
    public IReadOnlyList<ImageDefinition> SelectedImages => Catalog!.Select(Parameters.Images);

    public void Information(string format, params object[] args) => Log.Information(format, args);

    public void Verbose(string format, params object[] args) => Log.Verbose(format, args);
}
