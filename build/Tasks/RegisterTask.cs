using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Register;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("Register")]
[TaskDescription("Register each uploaded image with the region service and wait until it is ready (--dry-run: print the requests).")]
[IsDependentOn(typeof(UploadTask))]
[NeedsInputs(ParameterGroup.Build | ParameterGroup.S3Location | ParameterGroup.Region)]
public sealed class RegisterTask(RegisterStep step) : ImageStepTask<RegisterStep>(step);
