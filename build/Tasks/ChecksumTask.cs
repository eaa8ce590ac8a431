using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Steps;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("Checksum")]
[TaskDescription("SHA-256 of each raw image, SHA256SUMS (sha256sum -c format) and a build manifest per image.")]
[IsDependentOn(typeof(ConvertRawTask))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class ChecksumTask(ChecksumStep step) : ImageStepTask<ChecksumStep>(step)
{
    private readonly ChecksumStep _step = step;

    protected override void AfterAllImages(BuildContext context) => _step.WriteChecksums();
}
