namespace GpuImageBuilder.Build.Parameters;

/// <summary>Bad or missing inputs. The message is what the user sees; it never contains a secret.</summary>
public sealed class ParameterException(string message) : Exception(message);
