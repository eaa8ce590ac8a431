using System.Collections.Concurrent;
using GpuImageBuilder.Build.Services;

namespace GpuImageBuilder.Build.Tests.Infrastructure;

/// <summary>A build log that keeps every line, with its level, for assertions.</summary>
public sealed class ListLog : IBuildLog
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public void Information(string message) => _lines.Enqueue("info: " + message);

    public void Verbose(string message) => _lines.Enqueue("verbose: " + message);

    public void Warning(string message) => _lines.Enqueue("warning: " + message);

    public override string ToString() => string.Join('\n', _lines);
}
