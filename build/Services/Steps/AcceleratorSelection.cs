using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Qemu;

namespace GpuImageBuilder.Build.Services.Steps;

/// <summary>The QEMU accelerator of this run: chosen (probed, or remembered for this boot) once, said once.</summary>
public sealed class AcceleratorSelection(BuildParameters parameters, ArtifactPaths paths, ICommandRunner runner, IBuildLog log)
{
    private AcceleratorChoice? _choice;

    public async Task<AcceleratorChoice> ChooseAsync()
    {
        if (_choice is null)
        {
            _choice = await new AcceleratorProbe(runner).ChooseCachedAsync(parameters.Vm.Accelerator, Path.Combine(paths.Root, ".cache", "accelerator"));
            log.Information($"QEMU accelerator: {_choice.Accelerator} ({_choice.Reason})");
        }

        return _choice;
    }
}
