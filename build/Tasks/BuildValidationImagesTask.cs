using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Hosting;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.GpuValidation;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("BuildValidationImages")]
[TaskDescription("Build the GPU validation images (smoke-pass, smoke-fail, cuda-basic) reproducibly with podman or docker; no GPU needed.")]
[NeedsInputs(ParameterGroup.ContainerImages)]
public sealed class BuildValidationImagesTask(ContainerEngineSelection engines, ValidationImageBuilder builder) : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var settings = context.Parameters.RequireContainerImages();
        try
        {
            var engine = await engines.SelectAsync(settings.Engine, context.Cancellation);
            var options = new ValidationBuildOptions(Path.Combine(context.Assets.Root, "tests", "gpu", "images"), Path.GetFullPath(settings.WorkDirectory), NoCache: context.Parameters.Force);
            await builder.BuildAsync(engine, options, context.Cancellation);
        }
        catch (OperationCanceledException cancelled) when (context.Cancellation.IsCancellationRequested)
        {
            throw Interrupts.Stopped(cancelled);
        }
    }
}
