using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Hosting;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services;
using GpuImageBuilder.Build.Services.Verify;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("VerifyInstance")]
[TaskDescription("Verify a booted nvidia-firmware1 instance over SSH: driver, GSP firmware, toolkit, containerd, the validation workloads by digest, 06-verify-nvidia.sh; a table, non-zero exit on any failure.")]
[NeedsInputs(ParameterGroup.Instance)]
public sealed class VerifyInstanceTask(InstanceVerifier verifier, IBuildLog log) : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        VerifyReport report;
        try
        {
            report = await verifier.RunAsync(context.Parameters.RequireInstance(), Path.Combine(context.Assets.Scripts, VerifyScriptRun.ScriptFile), context.Cancellation);
        }
        catch (OperationCanceledException cancelled) when (context.Cancellation.IsCancellationRequested)
        {
            throw Interrupts.Stopped(cancelled);
        }

        log.Information(report.Render());
        if (report.Failed > 0)
        {
            throw new VerifyFailedException($"{report.Summary}: see the FAILED rows above");
        }
    }
}
