using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("AuditImage")]
[TaskDescription("Read-only audit of each raw image (libguestfs): generalised, no build user, keys or history, nouveau off, no swap, firmware option where expected, pinned packages.")]
[IsDependentOn(typeof(ChecksumTask))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class AuditImageTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        foreach (var image in context.SelectedImages)
        {
            await context.Pipeline.AuditAsync(image, context.Cancellation);
        }
    }
}
