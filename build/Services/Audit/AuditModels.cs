namespace GpuImageBuilder.Build.Services.Audit;

/// <summary>
/// What a finished image must look like. <paramref name="FirmwareOptionExpected"/>: nvidia-firmware1 images carry
/// <c>options nvidia NVreg_EnableGpuFirmware=1</c> in /etc/modprobe.d/*.conf; gpu-ready images must not mention
/// NVreg_EnableGpuFirmware at all. <paramref name="PinnedPackages"/>: package name to the Debian version prefix that
/// must be installed and held (kubelet -> "1.30.14-"). <paramref name="BuildUser"/>: the ephemeral build account
/// that must be gone. <paramref name="NvidiaDriverVersion"/>: the driver asked for, which nvidia.ko must be (null: the
/// image must carry no nvidia module).
/// </summary>
public sealed record AuditExpectations(
    bool FirmwareOptionExpected,
    IReadOnlyDictionary<string, string> PinnedPackages,
    string BuildUser,
    string? NvidiaDriverVersion = null)
{
    /// <summary>The GECOS the build's cloud-config gives the build user; any account carrying it is a leftover.</summary>
    public const string BuildUserGecos = "Ephemeral image build user";
}

/// <summary>One package dpkg records as installed; <paramref name="Held"/> when its selection is "hold".</summary>
public sealed record InstalledPackage(string Name, string Version, bool Held);

/// <summary>Every rule the image breaks (one line each), the packages it carries and what they amount to.</summary>
public sealed record AuditReport(IReadOnlyList<string> Violations, IReadOnlyList<InstalledPackage> Packages)
{
    public ImageContents Contents { get; init; } = ImageContents.From(Packages, []);

    public bool Passed => Violations.Count == 0;

    /// <summary>How long the guestfish session took (zero where no session ran).</summary>
    public TimeSpan GuestfishElapsed { get; init; }
}

/// <summary>The image could not be audited at all (missing, unreadable, not raw, no OS found, guestfish failed).</summary>
public sealed class ImageAuditException(string message, Exception? inner = null) : Exception(message, inner);
