using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Matrix;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services;
using GpuImageBuilder.Build.Services.Images;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("Matrix")]
[TaskDescription("List the supported combinations (Ubuntu x driver branch x Kubernetes) and their image names; writes output/matrix.json for CI to fan out.")]
[NeedsInputs(ParameterGroup.Images)]
public sealed class MatrixTask(IBuildLog log, ImageCatalog catalog, ArtifactPaths paths) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        var listing = MatrixListing.Of(SupportMatrix.Current, catalog.Images);
        AtomicFile.WriteAllText(paths.MatrixListing, listing.ToJson());
        log.Information($"Matrix: {listing.Combinations.Count} supported combinations ({SupportMatrix.RepositoryPath}, reviewed {listing.Reviewed}); registered as <name>-<image version>:");
        foreach (var line in listing.TableLines())
        {
            log.Information("  " + line);
        }

        log.Information($"Matrix: written to {Path.GetRelativePath(Environment.CurrentDirectory, paths.MatrixListing)} (each combination's build arguments under \"arguments\").");
    }
}
