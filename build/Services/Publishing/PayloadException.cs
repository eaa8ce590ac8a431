namespace GpuImageBuilder.Build.Services.Publishing;

/// <summary>A payload that cannot be made, is not what the region accepts, or cannot be read: the message says which and what to run.</summary>
public sealed class PayloadException(string message) : Exception(message);
