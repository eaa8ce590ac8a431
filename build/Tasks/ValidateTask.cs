using Cake.Core.Diagnostics;
using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Packer;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Validation;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("Validate")]
[TaskDescription("Fail-first gate: packer validate/fmt, shellcheck, bash -n, cloud-init schema and consistency checks, in seconds.")]
[NeedsInputs(ParameterGroup.Images)]
public sealed class ValidateTask(ICommandRunner runner, PackerTool packer) : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        using var scratch = context.Scratch("validate");
        var validator = new AssetValidator(runner, packer);
        var problems = await validator.ValidateAsync(context.Assets, context.Catalog!, context.Parameters, scratch.Path);
        foreach (var problem in problems)
        {
            context.Log.Error("  {0}", problem);
        }

        if (problems.Count > 0)
        {
            throw new ValidationFailedException(problems.Count);
        }

        context.Log.Information("Validate: {0} image definitions, templates, scripts and cloud-init are fine.", context.Catalog!.Images.Count);
    }
}

public sealed class ValidationFailedException(int count)
    : Exception($"Validate found {count} problem{(count == 1 ? string.Empty : "s")} (listed above); fix them and run again");
