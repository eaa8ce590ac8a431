using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("AuditImage")]
[TaskDescription("Read-only audit of each raw image (libguestfs): generalised, no build user or keys, firmware option where expected, pinned packages.")]
[IsDependentOn(typeof(ChecksumTask))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class AuditImageTask : AsyncFrostingTask<BuildContext>
{
    public override Task RunAsync(BuildContext context) =>
        throw new NotImplementedYetException("AuditImage", "the libguestfs audit");
}
