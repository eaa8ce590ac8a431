using Cake.Frosting;
using GpuImageBuilder.Build.Context;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("Default")]
[TaskDescription("Default target: Validate.")]
[IsDependentOn(typeof(ValidateTask))]
public sealed class DefaultTask : FrostingTask<BuildContext>
{
}
