namespace GpuImageBuilder.Build.Services.Verify;

/// <summary>
/// The image's own scripts/06-verify-nvidia.sh in runtime mode on the instance (sent over stdin, run with sudo),
/// rather than a second copy of its logic here; its exit code mapped to a row.
/// </summary>
public static class VerifyScriptRun
{
    public const string Name = "06-verify-nvidia.sh (runtime)";
    public const string ScriptFile = "06-verify-nvidia.sh";

    /// <summary>06's exit code for VERIFY_MODE=runtime without a params file: no GPU, or the driver not loaded.</summary>
    public const int NoGpuExitCode = 69;

    /// <summary>nvidia-firmware1 asks for the GSP firmware on (its definition's nvidia_enable_gpu_firmware = "1").</summary>
    public const string EnableGpuFirmware = "1";

    /// <summary>The remote command: env values are checked formats (a driver version), quoted all the same.</summary>
    public static string RemoteCommand(string? driver)
    {
        var env = new List<string> { "VERIFY_MODE=runtime", $"NVIDIA_ENABLE_GPU_FIRMWARE={EnableGpuFirmware}" };
        if (driver is not null)
        {
            env.Add($"NVIDIA_DRIVER_VERSION={driver}");
        }

        return "sudo -n " + InstanceShell.CommandLine(["env", .. env, "bash", "-s"]);
    }

    public static CheckResult Assess(RemoteResult run, VerifyExpectations expected)
    {
        if (run.ExitCode == NoGpuExitCode)
        {
            return expected.NoGpuResult(Name);
        }

        var lines = (run.StdOut + "\n" + run.StdErr).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (run.ExitCode == 0)
        {
            var ok = lines.Count(l => l.Contains(": ok: ", StringComparison.Ordinal));
            var notChecked = lines.Count(l => l.Contains("NOT CHECKED", StringComparison.Ordinal));
            return CheckResult.Pass(Name, $"PASSED ({ok} ok{(notChecked > 0 ? $", {notChecked} not checked" : string.Empty)})");
        }

        var error = lines.FirstOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal)) ?? run.FirstError;
        return CheckResult.Fail(Name, $"exit {run.ExitCode}: {error}");
    }
}
