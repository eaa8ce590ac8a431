using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using GpuImageBuilder.Build.Hosting;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Matrix;
using GpuImageBuilder.Build.Parameters;

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

        var axes = Catalog?.Images.ToDictionary(i => i.Name, ImageAxes.Of, StringComparer.Ordinal);
        Parameters = BuildParameters.Create(sources, target, Catalog?.Names.ToList() ?? [], imageAxes: axes);
        if (context.Log is RedactingLog redactor)
        {
            foreach (var secret in Parameters.Secrets)
            {
                redactor.AddSecret(secret);
            }
        }

        Paths = new ArtifactPaths(Path.GetFullPath(Parameters.OutputDirectory));
        Assets = new AssetPaths(System.Environment.CurrentDirectory);

        Interrupts.Install(context.Log);
    }

    /// <summary>Cancelled on Ctrl-C.</summary>
    public CancellationToken Cancellation => Interrupts.Token;

    /// <summary>Templates, scripts and cloud-init of this checkout.</summary>
    public AssetPaths Assets { get; }

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
