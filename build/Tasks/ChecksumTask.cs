using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("Checksum")]
[TaskDescription("SHA-256 of each raw image, SHA256SUMS (sha256sum -c format) and a build manifest per image.")]
[IsDependentOn(typeof(ConvertRawTask))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class ChecksumTask : AsyncFrostingTask<BuildContext>
{
    public override Task RunAsync(BuildContext context) =>
        context.Pipeline.ChecksumAsync(context.SelectedImages, context.Cancellation);
}
