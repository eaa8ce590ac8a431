namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>
/// One emulator and object server per fixture (its tests run one after another and use names of their own), with
/// a raw-like object most tests can point spec.uri at.
/// </summary>
public abstract class EmulatorFixture
{
    protected EmulatorSession Session { get; private set; } = null!;

    /// <summary>A 2 MiB object with a boot sector: what the region accepts.</summary>
    protected Uri Raw { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartEmulator()
    {
        Session = await EmulatorSession.StartAsync();
        Raw = Session.Objects.Add("fixture.raw", 2 << 20);
    }

    [OneTimeTearDown]
    public async Task StopEmulator() => await Session.DisposeAsync();
}
