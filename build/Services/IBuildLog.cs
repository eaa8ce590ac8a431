namespace GpuImageBuilder.Build.Services;

/// <summary>Where services report progress; the build wires it to Cake's log, tests to a list.</summary>
public interface IBuildLog
{
    void Information(string message);

    void Verbose(string message);

    void Warning(string message);
}
