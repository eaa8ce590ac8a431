using System.Collections.Concurrent;

namespace GpuImageBuilder.RegionEmulator.Hosting;

/// <summary>One API request as the emulator answered it; Status 0 means the connection was dropped.</summary>
public sealed record JournalEntry(string Method, string Path, int Status);

/// <summary>
/// Writes one line per request (method, path, status) and keeps them for tests ("exactly one POST"). Only the path
/// is recorded: never headers, where the bearer token travels.
/// </summary>
public sealed class RequestJournal(TextWriter output)
{
    private const string DroppedKey = "RegionEmulator.Dropped";

    private readonly ConcurrentQueue<JournalEntry> _entries = new();

    /// <summary>Drops the connection without an answer, and records that it was dropped.</summary>
    public static void Drop(HttpContext context)
    {
        context.Items[DroppedKey] = true;
        context.Abort();
    }

    public IReadOnlyList<JournalEntry> Entries => _entries.ToArray();

    public void Record(JournalEntry entry)
    {
        _entries.Enqueue(entry);
        lock (output)
        {
            output.WriteLine($"{entry.Method} {entry.Path} {(entry.Status == 0 ? "dropped" : entry.Status)}");
            output.Flush();
        }
    }

    public static async Task MiddlewareAsync(HttpContext context, RequestDelegate next, RequestJournal journal)
    {
        try
        {
            await next(context);
        }
        finally
        {
            var dropped = context.Items.ContainsKey(DroppedKey);
            journal.Record(new JournalEntry(context.Request.Method, context.Request.Path.Value ?? "/",
                dropped ? 0 : context.Response.StatusCode));
        }
    }
}
