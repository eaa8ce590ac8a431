using Cake.Frosting;
using GpuImageBuilder.Build.Context;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("BuildGpuReady")]
[TaskDescription("Build the gpu-ready image through GeneratePayload.")]
[IsDependentOn(typeof(GeneratePayloadTask))]
public sealed class BuildGpuReadyTask : FrostingTask<BuildContext>
{
}
