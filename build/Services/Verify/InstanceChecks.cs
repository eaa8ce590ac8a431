using System.Text.RegularExpressions;

namespace GpuImageBuilder.Build.Services.Verify;

/// <summary>
/// The instance checks of VerifyInstance as pure functions of <see cref="InstanceFacts"/> and the payload's
/// <see cref="VerifyExpectations"/>: driver version, the firmware option as the driver read it, GSP firmware (the
/// evidence that firmware runs) with the kernel module flavour, toolkit, containerd's nvidia runtime, the
/// RuntimeClass file, containerd with SystemdCgroup.
/// </summary>
public static partial class InstanceChecks
{
    public const string DriverVersion = "driver version";
    public const string FirmwareOption = "EnableGpuFirmware";
    public const string GspFirmware = "GSP firmware";
    public const string Toolkit = "nvidia-ctk";
    public const string NvidiaRuntime = "containerd nvidia runtime";
    public const string RuntimeClass = "RuntimeClass file";
    public const string Containerd = "containerd, SystemdCgroup";

    // "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  565.57.01  Release Build ..." or
    // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  565.57.01  Tue ..."
    [GeneratedRegex(@"Kernel Module(?: for \S+)?\s+(\d+\.\d+(?:\.\d+)?)")]
    private static partial Regex LoadedVersion();

    [GeneratedRegex(@"^\s*EnableGpuFirmware:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex FirmwareValue();

    [GeneratedRegex(@"^\s+GSP Firmware Version\s*:\s*(.*?)\s*$", RegexOptions.Multiline)]
    private static partial Regex GspVersion();

    // containerd 1.x (config version 2): [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia];
    // 2.x (version 3): [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.nvidia]
    [GeneratedRegex(@"^\s*\[plugins\.""io\.containerd\.(?:grpc\.v1\.cri|cri\.v1\.runtime)""\.containerd\.runtimes\.""?nvidia""?\]", RegexOptions.Multiline)]
    private static partial Regex NvidiaRuntimeTable();

    [GeneratedRegex(@"^\s*SystemdCgroup\s*=\s*true\s*$", RegexOptions.Multiline)]
    private static partial Regex SystemdCgroup();

    public static IReadOnlyList<CheckResult> Evaluate(InstanceFacts facts, VerifyExpectations expected) =>
    [
        Gated(DriverVersion, CheckNeeds.Gpu, facts, expected, () => Driver(facts, expected.Driver!)),
        Gated(FirmwareOption, CheckNeeds.Gpu, facts, expected, () => Firmware(facts)),
        Gated(GspFirmware, CheckNeeds.Gpu, facts, expected, () => Gsp(facts)),
        Gated(Toolkit, CheckNeeds.DriverImage, facts, expected, () => ToolkitPresent(facts)),
        Gated(NvidiaRuntime, CheckNeeds.DriverImage, facts, expected, () => Runtime(facts)),
        Gated(RuntimeClass, CheckNeeds.DriverImage, facts, expected, () => RuntimeClassFile(facts)),
        ContainerdRunning(facts),
    ];

    private static CheckResult Gated(string name, CheckNeeds needs, InstanceFacts facts, VerifyExpectations expected, Func<CheckResult> check) =>
        expected.Gate(name, needs, facts.GpuPresent) ?? check();

    /// <summary>open, proprietary or unknown, from the loaded module's banner or modinfo's license.</summary>
    public static string ModuleFlavour(InstanceFacts facts)
    {
        var version = facts[InstanceFacts.Version];
        if (version.Succeeded)
        {
            return version.Text.Contains("Open Kernel Module", StringComparison.Ordinal) ? "open" : "proprietary";
        }

        var license = facts[InstanceFacts.License];
        return !license.Succeeded ? "unknown" : license.Text.Contains("MIT", StringComparison.Ordinal) ? "open" : "proprietary";
    }

    private static CheckResult Driver(InstanceFacts facts, string expected)
    {
        var match = LoadedVersion().Match(facts[InstanceFacts.Version].Text);
        if (!match.Success)
        {
            return CheckResult.Fail(DriverVersion, "no version in /proc/driver/nvidia/version");
        }

        var loaded = match.Groups[1].Value;
        return loaded == expected
            ? CheckResult.Pass(DriverVersion, $"{loaded} loaded ({ModuleFlavour(facts)} kernel modules), as the payload's gpu.driver")
            : CheckResult.Fail(DriverVersion, $"{loaded} loaded, the payload's gpu.driver is {expected}");
    }

    private static CheckResult Firmware(InstanceFacts facts)
    {
        var match = FirmwareValue().Match(facts[InstanceFacts.Params].Text);
        if (!match.Success)
        {
            return CheckResult.Fail(FirmwareOption, "no EnableGpuFirmware line in /proc/driver/nvidia/params");
        }

        var value = match.Groups[1].Value;
        var echoed = ModuleFlavour(facts) == "open" ? " (open modules: only echoed; GSP firmware is the evidence)" : string.Empty;
        return value == "1"
            ? CheckResult.Pass(FirmwareOption, "EnableGpuFirmware: 1" + echoed)
            : CheckResult.Fail(FirmwareOption, $"EnableGpuFirmware: {value}, expected 1{(value == "18" ? " (18 = the driver's default policy: nothing forced it)" : string.Empty)}");
    }

    private static CheckResult Gsp(InstanceFacts facts)
    {
        var smi = facts[InstanceFacts.NvidiaSmi];
        if (!smi.Succeeded)
        {
            return CheckResult.Fail(GspFirmware, $"nvidia-smi -q failed (exit {smi.ExitCode}): {FirstLine(smi.Text)}");
        }

        var versions = GspVersion().Matches(smi.Text).Select(m => m.Groups[1].Value).ToList();
        var modules = ModuleFlavour(facts);
        if (versions.Count == 0)
        {
            return CheckResult.Fail(GspFirmware, "nvidia-smi -q printed no 'GSP Firmware Version' line");
        }

        var off = versions.Count(v => v == "N/A");
        return off == 0
            ? CheckResult.Pass(GspFirmware, $"GSP Firmware Version {string.Join(", ", versions.Distinct())} on {versions.Count} GPU(s); {modules} kernel modules")
            : CheckResult.Fail(GspFirmware, $"GSP Firmware Version N/A on {off} of {versions.Count} GPU(s): GSP firmware not running ({modules} kernel modules)");
    }

    private static CheckResult ToolkitPresent(InstanceFacts facts)
    {
        var ctk = facts[InstanceFacts.Toolkit];
        return ctk.Succeeded
            ? CheckResult.Pass(Toolkit, FirstLine(ctk.Text))
            : CheckResult.Fail(Toolkit, $"nvidia-ctk --version failed (exit {ctk.ExitCode}): {FirstLine(ctk.Text)}");
    }

    private static CheckResult Runtime(InstanceFacts facts)
    {
        var config = facts[InstanceFacts.ContainerdConfig];
        if (!config.Succeeded)
        {
            return CheckResult.Fail(NvidiaRuntime, $"containerd config dump failed (exit {config.ExitCode}): {FirstLine(config.Text)}");
        }

        return NvidiaRuntimeTable().IsMatch(config.Text)
            ? CheckResult.Pass(NvidiaRuntime, "runtime 'nvidia' in containerd's effective config")
            : CheckResult.Fail(NvidiaRuntime, "no runtimes.nvidia in containerd's effective config (containerd config dump): nvidia-ctk runtime configure --runtime=containerd did not apply");
    }

    private static CheckResult RuntimeClassFile(InstanceFacts facts)
    {
        var file = facts[InstanceFacts.RuntimeClass];
        if (!file.Succeeded)
        {
            return CheckResult.Fail(RuntimeClass, $"{InstanceFacts.RuntimeClassFile} is missing");
        }

        return file.Text.Contains("handler: nvidia", StringComparison.Ordinal)
            ? CheckResult.Pass(RuntimeClass, $"{InstanceFacts.RuntimeClassFile} (handler: nvidia)")
            : CheckResult.Fail(RuntimeClass, $"{InstanceFacts.RuntimeClassFile} has no 'handler: nvidia'");
    }

    private static CheckResult ContainerdRunning(InstanceFacts facts)
    {
        var active = facts[InstanceFacts.ContainerdActive];
        if (!active.Succeeded)
        {
            return CheckResult.Fail(Containerd, $"containerd is not running (systemctl is-active: {FirstLine(active.Text)})");
        }

        var config = facts[InstanceFacts.ContainerdConfig];
        return config.Succeeded && SystemdCgroup().IsMatch(config.Text)
            ? CheckResult.Pass(Containerd, "active, SystemdCgroup = true")
            : CheckResult.Fail(Containerd, "active, but no 'SystemdCgroup = true' in its effective config (kubelet uses the systemd cgroup driver)");
    }

    private static string FirstLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "no output";
}
