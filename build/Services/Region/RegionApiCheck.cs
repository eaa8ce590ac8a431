using System.Text;

namespace GpuImageBuilder.Build.Services.Region;

/// <summary>
/// ApiCheck: is the region reachable, is the token good, may it read the organization's images (the hidden v1 list
/// answers 403 where v2 silently drops the organization), and what images does the organization see: a table of
/// the global and the owned ones. Any failure is the client's one line.
/// </summary>
public sealed class RegionApiCheck(RegionClient client, IBuildLog log)
{
    public async Task<IReadOnlyList<(string Scope, RegionImage Image)>> RunAsync(CancellationToken cancellation)
    {
        var region = client.Routes.Region;
        var available = await client.ListImagesAsync(ImageScope.Available, cancellation);
        log.Information($"ApiCheck: {region.BaseUrl.Authority} answers and accepts the token (region {region.RegionId})");
        await client.ListReadyImagesAsync(cancellation);
        var owned = await client.ListImagesAsync(ImageScope.Owned, cancellation);
        log.Information($"ApiCheck: the token may read images of organization {region.OrganizationId}");
        var ownedIds = owned.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var rows = available.Where(i => !ownedIds.Contains(i.Id)).Select(i => ("global", i))
            .Concat(owned.Select(i => ("owned", i)))
            .ToList();
        log.Information($"ApiCheck: {rows.Count(r => r.Item1 == "global")} global and {owned.Count} owned image(s):\n{Table(rows)}");
        return rows;
    }

    /// <summary>The images as a plain-text table: one row each, columns padded to their widest cell.</summary>
    public static string Table(IReadOnlyList<(string Scope, RegionImage Image)> rows)
    {
        string[] header = ["SCOPE", "NAME", "ID", "STATE", "OS", "KUBERNETES", "GPU VENDOR", "DRIVER", "MODELS"];
        var cells = rows.Select(r =>
        {
            var (scope, i) = r;
            var os = i.Spec.Os is { } o ? string.Join(' ', new[] { o.Distro, o.Version, o.Variant }.Where(s => !string.IsNullOrEmpty(s))) : "";
            return new[]
            {
                scope, i.Name, i.Id, i.State, os,
                i.Spec.SoftwareVersions?.GetValueOrDefault("kubernetes") ?? "-",
                i.Spec.Gpu?.Vendor ?? "-", i.Spec.Gpu?.Driver ?? "-",
                i.Spec.Gpu?.Models is { Count: > 0 } m ? string.Join(',', m) : "-",
            };
        }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(c => cells.Max(r => r[c].Length)).ToArray();
        var sb = new StringBuilder();
        foreach (var row in cells)
        {
            sb.Append("  ").AppendJoin("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).Append('\n');
        }

        return sb.ToString().TrimEnd();
    }
}
