using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Hosting;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services;
using GpuImageBuilder.Build.Services.Region;

namespace GpuImageBuilder.Build.Tasks;

[TaskName("ApiCheck")]
[TaskDescription("Check the region service: reachable, token accepted, organization readable; list the global and owned images.")]
[NeedsInputs(ParameterGroup.Region)]
public sealed class ApiCheckTask(IBuildLog log) : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var region = context.Parameters.RequireRegion();
        if (context.Parameters.DryRun)
        {
            var routes = new RegionRoutes(region);
            log.Information("ApiCheck: dry run: would send (nothing is sent):\n" + string.Join('\n',
                new[] { routes.ListImages(ImageScope.Available), routes.ListReadyImages(), routes.ListImages(ImageScope.Owned) }.Select(r => r.Describe())));
            return;
        }

        using var client = new RegionClient(region, context.Parameters.RequireRegionCredentials(), log);
        try
        {
            await new RegionApiCheck(client, log).RunAsync(context.Cancellation);
        }
        catch (OperationCanceledException cancelled) when (context.Cancellation.IsCancellationRequested)
        {
            throw Interrupts.Stopped(cancelled);
        }
    }
}
