using Cake.Frosting;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Steps;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("AuditImage")]
[TaskDescription("Read-only audit of each raw image (libguestfs): generalised, no build user, keys or history, nouveau off, no swap, firmware option where expected, pinned packages, kernel-update policy, containerd sandbox image, fabric manager.")]
[IsDependentOn(typeof(ChecksumTask))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class AuditImageTask(AuditImageStep step) : ImageStepTask<AuditImageStep>(step);
