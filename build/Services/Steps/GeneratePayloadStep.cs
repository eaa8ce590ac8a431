using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Publishing;

namespace GpuImageBuilder.Build.Services.Steps;

/// <summary>
/// GeneratePayload: each image's region request (output/&lt;image&gt;/payload.json), built from its definition and
/// manifest (<see cref="PayloadBuilder"/>), checked against the region's contract (<see cref="PayloadValidator"/>)
/// before it is written, and written atomically: a refused payload leaves the previous file as it was. Sends nothing
/// and needs no credentials, so it runs the same in a dry run.
/// </summary>
public sealed class GeneratePayloadStep(
    BuildParameters parameters,
    ImageWorkspaces workspaces,
    ArtifactPaths paths,
    PayloadValidator validator,
    IBuildLog log) : IImageStep
{
    public const string Name = "GeneratePayload";

    public async Task<ImagePayload> RunAsync(ImageDefinition image, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        var workspace = workspaces.For(image);
        return await workspace.RecordAsync(Name, () =>
        {
            var asked = PayloadParameters.For(image, parameters);
            var location = ObjectLocation.ForImage(parameters.RequireS3(), asked.RegisteredName);
            var payload = PayloadBuilder.Build(image, workspace.ReadManifest(), location, asked);
            var json = validator.Validate(image.Name, payload);
            var file = paths.Payload(image.Name);
            var unchanged = File.Exists(file) && File.ReadAllText(file) == json;
            if (!unchanged)
            {
                PayloadJson.Write(file, json);
            }

            log.Information($"{image.Name}: payload {payload.Metadata.Name} -> {payload.Spec.Uri}{(unchanged ? " (unchanged)" : string.Empty)}");
            return Task.FromResult(new StepDone<ImagePayload>(payload, unchanged ? StepOutcome.Cached : StepOutcome.Passed));
        });
    }

    Task IImageStep.RunAsync(ImageDefinition image, CancellationToken cancellation) => RunAsync(image, cancellation);
}
