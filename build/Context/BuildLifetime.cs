using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Tasks;

namespace GpuImageBuilder.Build.Context;

/// <summary>
/// Before any task runs: every input the chosen tasks need is checked, and all problems are reported together.
/// </summary>
public sealed class BuildLifetime : FrostingLifetime<BuildContext>
{
    public override void Setup(BuildContext context, ISetupContext info)
    {
        var taskNames = info.TasksToExecute.Select(t => t.Name).ToList();
        var needed = TaskInputs.For(taskNames);
        var problems = new List<string>();
        if (context.CatalogError is not null)
        {
            problems.Add($"--{Arg.Definitions} ({Env.Definitions}): {context.CatalogError}");
        }

        problems.AddRange(context.Parameters.Check(needed));

        if (context.Log.Verbosity >= Verbosity.Diagnostic)
        {
            context.Log.Debug("Tasks to run: {0}", string.Join(" → ", taskNames));
            context.Log.Debug("Inputs needed: {0}", needed);
            if (context.Parameters.EnvFilePath is not null)
            {
                context.Log.Debug("Read {0}", context.Parameters.EnvFilePath);
            }

            foreach (var line in context.Parameters.Describe())
            {
                context.Log.Debug("  {0}", line);
            }
        }

        if (problems.Count > 0)
        {
            var noun = problems.Count == 1 ? "input is" : "inputs are";
            throw new ParameterException(
                $"{problems.Count} {noun} missing or invalid for target '{context.Parameters.Target}':{Environment.NewLine}  - "
                + string.Join(Environment.NewLine + "  - ", problems));
        }

        // Fail in a second, not after minutes of Packer, when the images cannot fit. Counted as if every selected image
        // were rebuilt (a cached one needs nothing), so it errs on the side of stopping early.
        if (taskNames.Contains("BuildQcow2") && !context.Parameters.DryRun)
        {
            DiskSpace.RequireForImages(context.Paths.Root, context.SelectedImages.Count, context.Parameters.Vm.DiskSizeBytes);
        }

        context.Log.Information("Images: {0}; version {1}{2}", string.Join(", ", context.Parameters.Images), context.Parameters.ImageVersion, context.Parameters.DryRun ? "; dry run: nothing is uploaded or registered" : string.Empty);
        var combination = context.Parameters.Combination;
        context.Log.Information(
            "Matrix: {0}{1}: Ubuntu {2} ({3}), NVIDIA driver {4}, Kubernetes {5}; published as {6}",
            combination.Id,
            combination.IsDefault ? " (default)" : string.Empty,
            combination.Ubuntu.Version,
            combination.Ubuntu.Codename,
            combination.DriverVersion,
            combination.KubernetesVersion,
            string.Join(", ", context.Parameters.Images.Select(context.Parameters.RegisteredName)));
    }
}
