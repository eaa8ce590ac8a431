using GpuImageBuilder.RegionEmulator.Access;
using GpuImageBuilder.RegionEmulator.Faults;
using GpuImageBuilder.RegionEmulator.Import;

namespace GpuImageBuilder.RegionEmulator.Hosting;

/// <summary>Everything the emulator is started with; built by <see cref="OptionsParser"/> or by tests directly.</summary>
public sealed record EmulatorOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 lets the system choose (the chosen URL is printed).</summary>
    public int Port { get; init; }

    public TokenGrants Tokens { get; init; } = TokenGrants.None;

    /// <summary>The region IDs that exist; empty means every region ID does.</summary>
    public IReadOnlyList<string> Regions { get; init; } = [];

    public ImportTiming Timing { get; init; } = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));

    /// <summary>How long a new image is absent from the lists (the service's image cache), 0 by default.</summary>
    public TimeSpan ListDelay { get; init; }

    /// <summary>Names of ready global images (no organization) present from the start.</summary>
    public IReadOnlyList<string> GlobalImages { get; init; } = [];

    public IReadOnlyList<Fault> Faults { get; init; } = [];

    /// <summary>Where the request lines go (stdout for a person, a buffer for a test).</summary>
    public TextWriter Log { get; init; } = Console.Out;
}
