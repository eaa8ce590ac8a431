using GpuImageBuilder.Build.Images;

namespace GpuImageBuilder.Build.Services.Steps;

/// <summary>A step that runs once per image (parents first); callable without Cake.</summary>
public interface IImageStep
{
    Task RunAsync(ImageDefinition image, CancellationToken cancellation);
}
