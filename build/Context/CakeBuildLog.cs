using Cake.Core.Diagnostics;
using GpuImageBuilder.Build.Services;

namespace GpuImageBuilder.Build.Context;

/// <summary>Services' progress into Cake's (redacting) log.</summary>
public sealed class CakeServiceLog(ICakeLog log) : IBuildLog
{
    // Messages are preformatted: pass them as an argument so braces in tool output are not format items.
    public void Information(string message) => log.Information("{0}", message);

    public void Verbose(string message) => log.Verbose("{0}", message);

    public void Warning(string message) => log.Warning("{0}", message);
}
