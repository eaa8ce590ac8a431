using Cake.Frosting;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Steps;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("BuildQcow2")]
[TaskDescription("Build each selected image's qcow2 with Packer (QEMU); skipped when nothing that goes into it changed (--force rebuilds).")]
[IsDependentOn(typeof(ValidateTask))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class BuildQcow2Task(BuildQcow2Step step) : ImageStepTask<BuildQcow2Step>(step);
