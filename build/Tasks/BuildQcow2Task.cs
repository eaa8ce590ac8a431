using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("BuildQcow2")]
[TaskDescription("Build each selected image's qcow2 with Packer (QEMU); skipped when nothing that goes into it changed.")]
[IsDependentOn(typeof(ValidateTask))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class BuildQcow2Task : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) =>
        throw new NotImplementedYetException("BuildQcow2", "the Packer build");
}
