using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("BuildQcow2")]
[TaskDescription("Build each selected image's qcow2 with Packer (QEMU); skipped when nothing that goes into it changed (--force rebuilds).")]
[IsDependentOn(typeof(ValidateTask))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class BuildQcow2Task : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        // Parents come first, so a child finds its parent's fresh qcow2 to layer on.
        foreach (var image in context.SelectedImages)
        {
            await context.Pipeline.BuildQcow2Async(image, context.Cancellation);
        }
    }
}
