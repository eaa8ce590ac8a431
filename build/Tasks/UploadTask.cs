using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("Upload")]
[TaskDescription("Upload each raw image to S3 (multipart, resumable, SHA-256 verified).")]
[IsDependentOn(typeof(GeneratePayloadTask))]
[NeedsInputs(ParameterGroup.Build | ParameterGroup.S3Location | ParameterGroup.S3Credentials)]
public sealed class UploadTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) =>
        throw new NotImplementedYetException("Upload", "the S3 upload");
}
