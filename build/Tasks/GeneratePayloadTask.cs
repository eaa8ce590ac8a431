using Cake.Frosting;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Steps;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("GeneratePayload")]
[TaskDescription("Write each image's region API request (output/<image>/payload.json) from its definition and manifest, checked against the region's spec.")]
[IsDependentOn(typeof(SmokeBootTask))]
[NeedsInputs(ParameterGroup.Images | ParameterGroup.S3Location)]
public sealed class GeneratePayloadTask(GeneratePayloadStep step) : ImageStepTask<GeneratePayloadStep>(step);
