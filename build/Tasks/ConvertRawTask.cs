using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("ConvertRaw")]
[TaskDescription("Convert each qcow2 to a sparse raw disk and check it boots the way the region needs (55 AA, GPT, ESP).")]
[IsDependentOn(typeof(BuildQcow2Task))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class ConvertRawTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) =>
        throw new NotImplementedYetException("ConvertRaw", "qcow2 to raw conversion");
}
