using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("Validate")]
[TaskDescription("Fail-first gate: packer validate/fmt, shellcheck, cloud-init schema and consistency checks, in seconds.")]
[NeedsInputs(ParameterGroup.Images)]
public sealed class ValidateTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) =>
        throw new NotImplementedYetException("Validate", "template, script and cloud-init checks");
}
