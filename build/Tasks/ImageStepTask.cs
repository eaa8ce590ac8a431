using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Hosting;
using GpuImageBuilder.Build.Services.Steps;

namespace GpuImageBuilder.Build.Tasks;

/// <summary>A task that runs its step for each selected image, parents first (a child layers on its parent's fresh qcow2).</summary>
public abstract class ImageStepTask<TStep>(TStep step) : AsyncFrostingTask<BuildContext>
    where TStep : IImageStep
{
    public override async Task RunAsync(BuildContext context)
    {
        try
        {
            foreach (var image in context.SelectedImages)
            {
                await step.RunAsync(image, context.Cancellation);
            }

            AfterAllImages(context);
        }
        catch (OperationCanceledException cancelled) when (context.Cancellation.IsCancellationRequested)
        {
            throw Interrupts.Stopped(cancelled);
        }
    }

    /// <summary>What the task does once every image is through its step.</summary>
    protected virtual void AfterAllImages(BuildContext context)
    {
    }
}
