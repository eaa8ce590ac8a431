namespace GpuImageBuilder.Build.Services.Verify;

/// <summary>One probe's output and exit status.</summary>
public sealed record FactSection(int ExitCode, string Text)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// What one SSH round trip reads from the instance (files under /proc/driver/nvidia, nvidia-smi -q, nvidia-ctk,
/// containerd's effective config, the RuntimeClass file, CDI specs). Gathered by <see cref="Script"/> as root,
/// parsed by <see cref="Parse"/>; the checks read only this record, so they are pure and tested without a VM.
/// </summary>
public sealed class InstanceFacts(IReadOnlyDictionary<string, FactSection> sections)
{
    public const string Params = "params";
    public const string Version = "version";
    public const string License = "license";
    public const string NvidiaSmi = "nvidia-smi";
    public const string Toolkit = "nvidia-ctk";
    public const string ContainerdConfig = "containerd-config";
    public const string ContainerdActive = "containerd-active";
    public const string RuntimeClass = "runtimeclass";
    public const string CdiSpecs = "cdi";
    public const string CtrCdiFlag = "ctr-cdi-flag";

    public const string RuntimeClassFile = "/etc/gpu-image/kubernetes/runtimeclass-nvidia.yaml";

    private const string SectionMarker = "@@gpu-image-verify section ";
    private const string EndMarker = "@@gpu-image-verify rc ";

    /// <summary>Bash, run with sudo over stdin: each probe's output between markers, with its exit status. Reads only.</summary>
    public static string Script { get; } = $$"""
        set -u
        probe() {
            local name=$1 rc=0
            shift
            printf '\n{{SectionMarker}}%s\n' "$name"
            "$@" 2>&1 || rc=$?
            printf '\n{{EndMarker}}%s\n' "$rc"
        }
        probe {{Params}} cat /proc/driver/nvidia/params
        probe {{Version}} cat /proc/driver/nvidia/version
        probe {{License}} modinfo -F license nvidia
        probe {{NvidiaSmi}} nvidia-smi -q
        probe {{Toolkit}} nvidia-ctk --version
        # The effective config (drop-ins included), not only config.toml.
        probe {{ContainerdConfig}} containerd config dump
        probe {{ContainerdActive}} systemctl is-active containerd
        probe {{RuntimeClass}} cat {{RuntimeClassFile}}
        probe {{CdiSpecs}} sh -c 'grep -l "nvidia.com/gpu" /etc/cdi/* /var/run/cdi/* 2>/dev/null'
        probe {{CtrCdiFlag}} sh -c 'ctr run --help 2>&1 | grep -q -- --cdi-device'
        exit 0
        """;

    public FactSection this[string name] => sections.TryGetValue(name, out var s) ? s : new FactSection(-1, string.Empty);

    /// <summary>The params file is there: a GPU with the nvidia driver loaded.</summary>
    public bool GpuPresent => this[Params].Succeeded;

    public static InstanceFacts Parse(string output)
    {
        var sections = new Dictionary<string, FactSection>(StringComparer.Ordinal);
        string? name = null;
        var text = new List<string>();
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith(SectionMarker, StringComparison.Ordinal))
            {
                name = line[SectionMarker.Length..].Trim();
                text.Clear();
            }
            else if (line.StartsWith(EndMarker, StringComparison.Ordinal) && name is not null)
            {
                var rc = int.TryParse(line[EndMarker.Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture, out var code) ? code : -1;
                sections[name] = new FactSection(rc, string.Join('\n', text).Trim('\n'));
                name = null;
            }
            else if (name is not null)
            {
                text.Add(line);
            }
        }

        return new InstanceFacts(sections);
    }
}
