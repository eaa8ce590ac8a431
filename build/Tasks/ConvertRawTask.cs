using Cake.Frosting;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Steps;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("ConvertRaw")]
[TaskDescription("Convert each qcow2 to a sparse raw disk and check what the region needs: 55 AA, GPT, EFI system partition, virtual size.")]
[IsDependentOn(typeof(BuildQcow2Task))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class ConvertRawTask(ConvertRawStep step) : ImageStepTask<ConvertRawStep>(step);
