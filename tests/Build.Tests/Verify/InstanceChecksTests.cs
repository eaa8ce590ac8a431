using GpuImageBuilder.Build.Services.Verify;
using static GpuImageBuilder.Build.Tests.Verify.VerifyFixtures;

namespace GpuImageBuilder.Build.Tests.Verify;

/// <summary>Each instance check from recorded facts: what passes, what fails and why, and what does not run without a GPU.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class InstanceChecksTests
{
    private static IReadOnlyList<CheckResult> Evaluate(Dictionary<string, FactSection> sections, bool expectGpu = true, string? driver = Driver) =>
        InstanceChecks.Evaluate(Facts(sections), Expect(expectGpu, driver));

    [Test]
    public void A_healthy_gpu_instance_passes_every_check()
    {
        var results = Evaluate(GpuInstance());
        Assert.That(results.Where(r => r.Outcome != CheckOutcome.Passed), Is.Empty, string.Join("\n", results));
        Assert.That(Row(results, InstanceChecks.DriverVersion).Detail, Does.Contain("565.57.01 loaded (open kernel modules)"));
        Assert.That(Row(results, InstanceChecks.GspFirmware).Detail, Is.EqualTo("GSP Firmware Version 565.57.01 on 2 GPU(s); open kernel modules"));
        Assert.That(Row(results, InstanceChecks.FirmwareOption).Detail, Does.Contain("only echoed"), "with open modules the option is only echoed: say so");
    }

    [Test]
    public void A_driver_other_than_the_payloads_fails_naming_both()
    {
        var result = Row(Evaluate(GpuInstance(), driver: "570.86.15"), InstanceChecks.DriverVersion);
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Failed));
        Assert.That(result.Detail, Is.EqualTo("565.57.01 loaded, the payload's gpu.driver is 570.86.15"));
    }

    [Test]
    public void The_proprietary_module_banner_is_parsed_and_named()
    {
        var facts = GpuInstance();
        facts[InstanceFacts.Version] = Ok(Text("version-proprietary.txt"));
        var results = Evaluate(facts);
        Assert.That(Row(results, InstanceChecks.DriverVersion).Detail, Does.Contain("565.57.01 loaded (proprietary kernel modules)"));
        Assert.That(Row(results, InstanceChecks.FirmwareOption).Detail, Is.EqualTo("EnableGpuFirmware: 1"), "proprietary modules obey the option: no 'only echoed'");
    }

    [Test]
    public void EnableGpuFirmware_18_fails_as_the_drivers_default_policy()
    {
        var facts = GpuInstance();
        facts[InstanceFacts.Params] = Ok(Text("params-firmware-18.txt"));
        var result = Row(Evaluate(facts), InstanceChecks.FirmwareOption);
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Failed));
        Assert.That(result.Detail, Does.StartWith("EnableGpuFirmware: 18, expected 1").And.Contain("default policy"));
    }

    [Test]
    public void A_params_file_without_the_option_fails()
    {
        var facts = GpuInstance();
        facts[InstanceFacts.Params] = Ok(string.Join('\n', Text("params-firmware-1.txt").Split('\n').Where(l => !l.StartsWith("EnableGpuFirmware:", StringComparison.Ordinal))));
        var result = Row(Evaluate(facts), InstanceChecks.FirmwareOption);
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Failed));
        Assert.That(result.Detail, Does.Contain("no EnableGpuFirmware line"));
    }

    [Test]
    public void EnableGpuFirmwareLogs_is_not_mistaken_for_the_option()
    {
        var facts = GpuInstance();
        facts[InstanceFacts.Params] = Ok(Text("params-firmware-18.txt").Replace("EnableGpuFirmwareLogs: 2", "EnableGpuFirmwareLogs: 1", StringComparison.Ordinal));
        Assert.That(Row(Evaluate(facts), InstanceChecks.FirmwareOption).Outcome, Is.EqualTo(CheckOutcome.Failed));
    }

    [Test]
    public void GSP_firmware_N_A_on_proprietary_modules_fails_naming_the_modules()
    {
        var facts = GpuInstance();
        facts[InstanceFacts.Version] = Ok(Text("version-proprietary.txt"));
        facts[InstanceFacts.NvidiaSmi] = Ok(Text("nvidia-smi-q-proprietary-no-gsp.txt"));
        var result = Row(Evaluate(facts), InstanceChecks.GspFirmware);
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Failed));
        Assert.That(result.Detail, Is.EqualTo("GSP Firmware Version N/A on 1 of 1 GPU(s): GSP firmware not running (proprietary kernel modules)"));
    }

    [Test]
    public void No_GSP_line_at_all_fails()
    {
        var facts = GpuInstance();
        facts[InstanceFacts.NvidiaSmi] = Ok(string.Join('\n', Text("nvidia-smi-q-open-gsp.txt").Split('\n').Where(l => !l.Contains("GSP Firmware", StringComparison.Ordinal))));
        var result = Row(Evaluate(facts), InstanceChecks.GspFirmware);
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Failed));
        Assert.That(result.Detail, Does.Contain("no 'GSP Firmware Version' line"));
    }

    [Test]
    public void A_failing_nvidia_smi_fails_with_its_exit_code_and_message()
    {
        var facts = GpuInstance();
        facts[InstanceFacts.NvidiaSmi] = new(9, "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.");
        var result = Row(Evaluate(facts), InstanceChecks.GspFirmware);
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Failed));
        Assert.That(result.Detail, Does.StartWith("nvidia-smi -q failed (exit 9): NVIDIA-SMI has failed"));
    }

    [Test]
    public void The_module_flavour_falls_back_to_modinfo_without_a_loaded_driver()
    {
        var open = NoGpuInstance();
        Assert.That(InstanceChecks.ModuleFlavour(Facts(open)), Is.EqualTo("open"));
        open[InstanceFacts.License] = Ok("NVIDIA");
        Assert.That(InstanceChecks.ModuleFlavour(Facts(open)), Is.EqualTo("proprietary"));
        open[InstanceFacts.License] = Missing("modinfo: ERROR: Module nvidia not found.");
        Assert.That(InstanceChecks.ModuleFlavour(Facts(open)), Is.EqualTo("unknown"));
    }

    [Test]
    public void A_missing_toolkit_fails()
    {
        var facts = GpuInstance();
        facts[InstanceFacts.Toolkit] = new(127, "sh: 1: nvidia-ctk: not found");
        var result = Row(Evaluate(facts), InstanceChecks.Toolkit);
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Failed));
        Assert.That(result.Detail, Is.EqualTo("nvidia-ctk --version failed (exit 127): sh: 1: nvidia-ctk: not found"));
        Assert.That(Row(Evaluate(GpuInstance()), InstanceChecks.Toolkit).Detail, Is.EqualTo("NVIDIA Container Toolkit CLI version 1.17.3"));
    }

    [Test]
    public void Containerd_without_the_nvidia_runtime_fails_and_with_it_passes()
    {
        var facts = GpuInstance();
        facts[InstanceFacts.ContainerdConfig] = Ok(Text("containerd-config-no-nvidia.toml"));
        var results = Evaluate(facts);
        Assert.That(Row(results, InstanceChecks.NvidiaRuntime).Outcome, Is.EqualTo(CheckOutcome.Failed));
        Assert.That(Row(results, InstanceChecks.NvidiaRuntime).Detail, Does.Contain("nvidia-ctk runtime configure"));
        Assert.That(Row(results, InstanceChecks.Containerd).Outcome, Is.EqualTo(CheckOutcome.Passed), "runc still has SystemdCgroup");
    }

    [Test]
    public void The_containerd_2_runtime_table_is_recognised()
    {
        var facts = GpuInstance();
        facts[InstanceFacts.ContainerdConfig] = Ok("""
            version = 3
            [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.nvidia]
              runtime_type = "io.containerd.runc.v2"
              [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.nvidia.options]
                BinaryName = "/usr/bin/nvidia-container-runtime"
                SystemdCgroup = true
            """);
        Assert.That(Row(Evaluate(facts), InstanceChecks.NvidiaRuntime).Outcome, Is.EqualTo(CheckOutcome.Passed));
    }

    [Test]
    public void A_missing_or_wrong_RuntimeClass_file_fails()
    {
        var facts = GpuInstance();
        facts[InstanceFacts.RuntimeClass] = Missing("cat: /etc/gpu-image/kubernetes/runtimeclass-nvidia.yaml: No such file or directory");
        Assert.That(Row(Evaluate(facts), InstanceChecks.RuntimeClass).Detail, Does.EndWith("is missing"));
        facts[InstanceFacts.RuntimeClass] = Ok(Text("runtimeclass-nvidia.yaml").Replace("handler: nvidia", "handler: runc", StringComparison.Ordinal));
        var result = Row(Evaluate(facts), InstanceChecks.RuntimeClass);
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Failed));
        Assert.That(result.Detail, Does.Contain("no 'handler: nvidia'"));
    }

    [Test]
    public void Containerd_not_running_or_without_SystemdCgroup_fails()
    {
        var facts = GpuInstance();
        facts[InstanceFacts.ContainerdActive] = new(3, "inactive");
        Assert.That(Row(Evaluate(facts), InstanceChecks.Containerd).Detail, Does.Contain("containerd is not running (systemctl is-active: inactive)"));
        facts = GpuInstance();
        facts[InstanceFacts.ContainerdConfig] = Ok(Text("containerd-config-nvidia.toml").Replace("SystemdCgroup = true", "SystemdCgroup = false", StringComparison.Ordinal));
        Assert.That(Row(Evaluate(facts), InstanceChecks.Containerd).Outcome, Is.EqualTo(CheckOutcome.Failed));
    }

    private static readonly string[] GpuChecks = [InstanceChecks.DriverVersion, InstanceChecks.FirmwareOption, InstanceChecks.GspFirmware];

    [Test]
    public void Without_a_gpu_and_expect_gpu_false_every_gpu_check_is_not_run_never_passed()
    {
        var results = Evaluate(NoGpuInstance(), expectGpu: false);
        foreach (var name in GpuChecks)
        {
            Assert.That(Row(results, name), Is.EqualTo(CheckResult.NotRun(name, "no GPU on this host")), name);
        }

        Assert.That(results.Where(r => !GpuChecks.Contains(r.Name)).Select(r => r.Outcome), Is.All.EqualTo(CheckOutcome.Passed), "the checks that need no GPU still run and pass");
    }

    [Test]
    public void Without_a_gpu_and_expect_gpu_true_every_gpu_check_is_a_failure()
    {
        var results = Evaluate(NoGpuInstance(), expectGpu: true);
        foreach (var name in GpuChecks)
        {
            Assert.That(Row(results, name).Outcome, Is.EqualTo(CheckOutcome.Failed), name);
            Assert.That(Row(results, name).Detail, Does.Contain("no GPU on this host").And.Contain("--expect-gpu=false"), name);
        }
    }

    [Test]
    public void An_image_without_the_driver_runs_no_driver_check()
    {
        var results = Evaluate(NoGpuInstance(), expectGpu: false, driver: null);
        Assert.That(results.Where(r => r.Name != InstanceChecks.Containerd).Select(r => r.Outcome), Is.All.EqualTo(CheckOutcome.NotRun));
        Assert.That(Row(Evaluate(NoGpuInstance(), expectGpu: true, driver: null), InstanceChecks.GspFirmware).Outcome, Is.EqualTo(CheckOutcome.Failed));
    }

    [Test]
    public void Facts_are_parsed_from_the_probe_output_with_their_exit_codes()
    {
        var output = "\n@@gpu-image-verify section params\ncat: /proc/driver/nvidia/params: No such file or directory\n\n@@gpu-image-verify rc 1\n"
            + "\n@@gpu-image-verify section nvidia-ctk\nNVIDIA Container Toolkit CLI version 1.17.3\n\n@@gpu-image-verify rc 0\n";
        var facts = InstanceFacts.Parse(output);
        Assert.That(facts.GpuPresent, Is.False);
        Assert.That(facts[InstanceFacts.Params].ExitCode, Is.EqualTo(1));
        Assert.That(facts[InstanceFacts.Toolkit], Is.EqualTo(new FactSection(0, "NVIDIA Container Toolkit CLI version 1.17.3")));
        Assert.That(facts[InstanceFacts.NvidiaSmi].Succeeded, Is.False, "a section the probe never printed is a failure, not a pass");
    }
}
