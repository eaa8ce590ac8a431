using Cake.Frosting;
using GpuImageBuilder.Build.Context;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("BuildNvidia")]
[TaskDescription("Build the nvidia-firmware1 image through GeneratePayload.")]
[IsDependentOn(typeof(GeneratePayloadTask))]
public sealed class BuildNvidiaTask : FrostingTask<BuildContext>
{
}
