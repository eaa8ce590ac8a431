namespace GpuImageBuilder.RegionEmulator.Hosting;

/// <summary>The regions that exist: those configured, or any region ID when none is.</summary>
public sealed class RegionCatalog(IReadOnlyList<string> regions)
{
    public bool Exists(string regionId) => regions.Count == 0 || regions.Contains(regionId, StringComparer.Ordinal);
}
