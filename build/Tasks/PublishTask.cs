using Cake.Frosting;
using GpuImageBuilder.Build.Context;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("Publish")]
[TaskDescription("Upload and register the selected images.")]
[IsDependentOn(typeof(RegisterTask))]
public sealed class PublishTask : FrostingTask<BuildContext>
{
}
