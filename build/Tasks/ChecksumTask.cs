using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("Checksum")]
[TaskDescription("SHA-256 of each raw image, SHA256SUMS and a build manifest per image.")]
[IsDependentOn(typeof(ConvertRawTask))]
[NeedsInputs(ParameterGroup.Build)]
public sealed class ChecksumTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) =>
        throw new NotImplementedYetException("Checksum", "checksums and manifests");
}
