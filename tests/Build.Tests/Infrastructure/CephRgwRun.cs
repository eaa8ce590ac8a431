using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests;

/// <summary>
/// Stops the run's shared Ceph RGW (<see cref="CephRgw.Shared"/>) when every test under GpuImageBuilder.Build.Tests
/// has run. A killed test process never gets here: the script's --parent-pid watcher stops the cluster then.
/// </summary>
[SetUpFixture]
public sealed class CephRgwRun
{
    [OneTimeTearDown]
    public Task StopSharedCluster() => CephRgw.StopSharedAsync();
}
