namespace GpuImageBuilder.Build.Services.Verify;

public enum CheckOutcome
{
    Passed,
    Failed,
    NotRun,
}

/// <summary>One row of VerifyInstance's table: what was checked, how it ended, and what was seen (or why it did not run).</summary>
public sealed record CheckResult(string Name, CheckOutcome Outcome, string Detail)
{
    public static CheckResult Pass(string name, string detail) => new(name, CheckOutcome.Passed, detail);

    public static CheckResult Fail(string name, string detail) => new(name, CheckOutcome.Failed, detail);

    public static CheckResult NotRun(string name, string reason) => new(name, CheckOutcome.NotRun, reason);
}

/// <summary>What a check needs to be able to run at all.</summary>
public enum CheckNeeds
{
    /// <summary>Any booted instance of the image.</summary>
    Nothing,

    /// <summary>An image built with 04-nvidia-driver.sh (driver, toolkit, RuntimeClass), GPU or not.</summary>
    DriverImage,

    /// <summary>A GPU with the nvidia driver loaded (and so an image with the driver).</summary>
    Gpu,
}

/// <summary>
/// What the instance should be, from the image's payload: <see cref="Driver"/> is its <c>spec.gpu.driver</c>, null
/// for an image built without 04-nvidia-driver.sh. <see cref="ExpectGpu"/>: a GPU check that cannot run is a failure.
/// </summary>
public sealed record VerifyExpectations(string? Driver, bool ExpectGpu)
{
    public const string WithoutDriver = "the image was built without 04-nvidia-driver.sh";
    public const string NoGpu = "no GPU on this host";

    public bool ImageHasDriver => Driver is not null;

    /// <summary>
    /// The row for a check that cannot run (null when it can): decided from the payload and whether a driver is
    /// loaded, never reported as passed. With --expect-gpu=true a GPU check that cannot run is a failure.
    /// </summary>
    public CheckResult? Gate(string name, CheckNeeds needs, bool gpuPresent)
    {
        if (needs == CheckNeeds.Nothing)
        {
            return null;
        }

        if (!ImageHasDriver)
        {
            return needs == CheckNeeds.Gpu && ExpectGpu
                ? CheckResult.Fail(name, $"could not run: {WithoutDriver} (payload has no gpu), and --expect-gpu=true")
                : CheckResult.NotRun(name, WithoutDriver);
        }

        if (needs == CheckNeeds.Gpu && !gpuPresent)
        {
            return NoGpuResult(name);
        }

        return null;
    }

    /// <summary>A GPU check on a host without a (loaded) GPU driver.</summary>
    public CheckResult NoGpuResult(string name) =>
        ExpectGpu
            ? CheckResult.Fail(name, $"could not run: {NoGpu} (no /proc/driver/nvidia/params: no GPU or driver not loaded); pass --expect-gpu=false on a host without a GPU")
            : CheckResult.NotRun(name, NoGpu);
}
