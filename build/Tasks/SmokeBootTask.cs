using Cake.Frosting;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Steps;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("SmokeBoot")]
[TaskDescription("Boot each raw image the way the region does (OVMF UEFI, q35, virtio-scsi) and require the seed's success marker. KEEP_VM=1 leaves it running.")]
[IsDependentOn(typeof(AuditImageTask))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class SmokeBootTask(SmokeBootStep step) : ImageStepTask<SmokeBootStep>(step);
