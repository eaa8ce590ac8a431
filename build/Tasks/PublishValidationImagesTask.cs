using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Hosting;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.GpuValidation;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("PublishValidationImages")]
[TaskDescription("Push the validation images to --registry, write tests/gpu/images/images.lock.json (digests) and workloads.json.")]
[IsDependentOn(typeof(BuildValidationImagesTask))]
[NeedsInputs(ParameterGroup.ContainerImages | ParameterGroup.Registry)]
public sealed class PublishValidationImagesTask(ContainerEngineSelection engines, ValidationImagePublisher publisher) : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var settings = context.Parameters.RequireContainerImages();
        var registry = context.Parameters.RequireRegistry();
        var credentials = context.Parameters.RegistryCredentials(Console.In.ReadLine);
        try
        {
            var engine = await engines.SelectAsync(settings.Engine, context.Cancellation);
            var built = ValidationImageFiles.ReadBuilt(new ValidationBuildOptions(string.Empty, Path.GetFullPath(settings.WorkDirectory)).BuiltFile);
            await publisher.PublishAsync(engine, built, registry, credentials, new ValidationPublishOptions(settings.LockFile, settings.WorkloadManifest, settings.WorkDirectory), context.Cancellation);
        }
        catch (OperationCanceledException cancelled) when (context.Cancellation.IsCancellationRequested)
        {
            throw Interrupts.Stopped(cancelled);
        }
    }
}
