using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Steps;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("Upload")]
[TaskDescription("Upload each raw image to S3 (multipart, resumable, sparse-aware, SHA-256 verified); --dry-run prints the requests.")]
[IsDependentOn(typeof(GeneratePayloadTask))]
[NeedsInputs(ParameterGroup.Build | ParameterGroup.S3Location | ParameterGroup.S3Credentials)]
public sealed class UploadTask(UploadStep step) : ImageStepTask<UploadStep>(step);
