using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("GeneratePayload")]
[TaskDescription("Write each image's region API request (payloads/) from the manifest.")]
[IsDependentOn(typeof(SmokeBootTask))]
[NeedsInputs(ParameterGroup.Build | ParameterGroup.S3Location)]
public sealed class GeneratePayloadTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) =>
        throw new NotImplementedYetException("GeneratePayload", "region payload generation");
}
