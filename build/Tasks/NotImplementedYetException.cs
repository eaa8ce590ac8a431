namespace GpuImageBuilder.Build.Tasks;

/// <summary>A task whose work a later issue delivers. It fails loudly rather than pretend to succeed.</summary>
public sealed class NotImplementedYetException(string task, string what)
    : Exception($"{task} is not implemented yet: {what}. Nothing was done.");
