using GpuImageBuilder.Build.Services.GpuValidation;

namespace GpuImageBuilder.Build.Services.Verify;

/// <summary>
/// Whether a workload ended as its manifest expects, by the contract's marker and exit code together: pass is exit 0
/// with the success marker alone on a line and no failure marker; fail is a non-zero exit with the failure marker
/// (so a run that failed for another reason, like a missing image, never counts as smoke-fail's expected failure).
/// </summary>
public static class WorkloadAssessment
{
    public static CheckResult Assess(string name, Workload workload, RemoteResult run)
    {
        var lines = run.StdOutLines.Select(l => l.Trim()).ToList();
        var success = lines.Any(l => l == ValidationImages.SuccessMarker);
        var failure = lines.FirstOrDefault(l => l.StartsWith(ValidationImages.FailureMarker, StringComparison.Ordinal));
        var seen = failure ?? (success ? ValidationImages.SuccessMarker : "no marker") + (run.FirstError.Length > 0 && failure is null && !success ? $"; stderr: {run.FirstError}" : string.Empty);
        return workload.Expect switch
        {
            WorkloadExpectation.Pass when run.ExitCode == 0 && success && failure is null => CheckResult.Pass(name, $"exit 0, {ValidationImages.SuccessMarker}"),
            WorkloadExpectation.Fail when run.ExitCode != 0 && failure is not null => CheckResult.Pass(name, $"failed as expected: exit {run.ExitCode}, {failure}"),
            WorkloadExpectation.Pass => CheckResult.Fail(name, $"expected to pass: exit {run.ExitCode}, {seen}"),
            _ => CheckResult.Fail(name, $"expected to fail with {ValidationImages.FailureMarker}: exit {run.ExitCode}, {seen}"),
        };
    }
}
