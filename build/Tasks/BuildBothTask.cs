using Cake.Frosting;
using GpuImageBuilder.Build.Context;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("BuildBoth")]
[TaskDescription("Build both images (nvidia-firmware1 layered on gpu-ready) through GeneratePayload.")]
[IsDependentOn(typeof(GeneratePayloadTask))]
public sealed class BuildBothTask : FrostingTask<BuildContext>
{
}
