using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("SmokeBoot")]
[TaskDescription("Boot each raw image the way the region does (OVMF UEFI, q35, virtio-scsi) and require the seed's success marker. KEEP_VM=1 leaves it running.")]
[IsDependentOn(typeof(AuditImageTask))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class SmokeBootTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        foreach (var image in context.SelectedImages)
        {
            await context.Pipeline.SmokeBootAsync(image, context.Cancellation);
        }
    }
}
