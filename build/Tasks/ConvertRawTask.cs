using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("ConvertRaw")]
[TaskDescription("Convert each qcow2 to a sparse raw disk and check what the region needs: 55 AA, GPT, EFI system partition, virtual size.")]
[IsDependentOn(typeof(BuildQcow2Task))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class ConvertRawTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        foreach (var image in context.SelectedImages)
        {
            await context.Pipeline.ConvertRawAsync(image, context.Cancellation);
        }
    }
}
