namespace GpuImageBuilder.Build.Hosting;

/// <summary>How the build's output looks where it is not a terminal.</summary>
public static class HostConsole
{
    /// <summary>CakeConsole writes ANSI colour codes even into a pipe or file unless NO_COLOR is set: set it there.</summary>
    public static void NoColourWhenRedirected()
    {
        if (Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null)
        {
            Environment.SetEnvironmentVariable("NO_COLOR", "1");
        }
    }
}
