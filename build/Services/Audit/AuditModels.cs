namespace GpuImageBuilder.Build.Services.Audit;

/// <summary>
/// What a finished image must look like. <paramref name="FirmwareOptionExpected"/>: nvidia-firmware1 images carry
/// <c>options nvidia NVreg_EnableGpuFirmware=1</c> in /etc/modprobe.d/*.conf; gpu-ready images must not mention
/// NVreg_EnableGpuFirmware at all. <paramref name="PinnedPackages"/>: package name to the Debian version prefix that
/// must be installed and held (kubelet -> "1.30.14-"). <paramref name="BuildUser"/>: the ephemeral build account
/// that must be gone. <paramref name="NvidiaDriverVersion"/>: the driver asked for, which nvidia.ko must be (null: the
/// image must carry no nvidia module). The node policy (issue 11) is expected only of images whose definition runs
/// the step that sets it: <see cref="KernelUpdatePolicyExpected"/> and <see cref="SandboxImage"/> of 02,
/// <see cref="FabricManagerExpected"/> of 04 with --nvidia-fabric-manager.
/// </summary>
public sealed record AuditExpectations(
    bool FirmwareOptionExpected,
    IReadOnlyDictionary<string, string> PinnedPackages,
    string BuildUser,
    string? NvidiaDriverVersion = null)
{
    /// <summary>Every kernel flavour's headers metapackage installed (or its kernel metapackage held), linux-* kept
    /// out of unattended-upgrades, the apt-daily timers masked.</summary>
    public bool KernelUpdatePolicyExpected { get; init; }

    /// <summary>containerd's sandbox_image: the pause image kubeadm of the chosen Kubernetes minor expects (null: not checked).</summary>
    public string? SandboxImage { get; init; }

    /// <summary>nvidia-fabricmanager-&lt;branch&gt; (pinned at the driver's version) and nvidia-persistenced installed and enabled.</summary>
    public bool FabricManagerExpected { get; init; }

    /// <summary>The GECOS the build's cloud-config gives the build user; any account carrying it is a leftover.</summary>
    public const string BuildUserGecos = "Ephemeral image build user";
}

/// <summary>One package dpkg records as installed; <paramref name="Held"/> when its selection is "hold".</summary>
public sealed record InstalledPackage(string Name, string Version, bool Held);

/// <summary>Every rule the image breaks (one line each), the packages it carries and what they amount to.</summary>
public sealed record AuditReport(IReadOnlyList<string> Violations, IReadOnlyList<InstalledPackage> Packages)
{
    public ImageContents Contents { get; init; } = ImageContents.From(Packages, []);

    /// <summary>The node policy the image carries (kernel updates, containerd's sandbox image, fabric manager).</summary>
    public NodePolicy? Policy { get; init; }

    public bool Passed => Violations.Count == 0;

    /// <summary>How long the guestfish session took (zero where no session ran).</summary>
    public TimeSpan GuestfishElapsed { get; init; }
}

/// <summary>The image could not be audited at all (missing, unreadable, not raw, no OS found, guestfish failed).</summary>
public sealed class ImageAuditException(string message, Exception? inner = null) : Exception(message, inner);
