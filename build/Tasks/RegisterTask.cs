using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("Register")]
[TaskDescription("Register each uploaded image with the region service and wait until it is ready.")]
[IsDependentOn(typeof(UploadTask))]
[NeedsInputs(ParameterGroup.Build | ParameterGroup.S3Location | ParameterGroup.Region)]
public sealed class RegisterTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) =>
        throw new NotImplementedYetException("Register", "region registration");
}
