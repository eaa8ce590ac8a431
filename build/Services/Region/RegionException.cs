namespace GpuImageBuilder.Build.Services.Region;

/// <summary>
/// A region request that failed for good, with the one line that says what to fix. Never carries the token or a
/// presigned query string (<see cref="RegionClient"/> scrubs both). Not an OperationCanceledException, even for a
/// timeout: only a signal is "Interrupted".
/// </summary>
public sealed class RegionException(string message, int? status = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The HTTP status the region answered; null for a connection error or a timeout.</summary>
    public int? Status { get; } = status;
}
