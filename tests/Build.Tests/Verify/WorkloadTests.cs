using GpuImageBuilder.Build.Services.GpuValidation;
using GpuImageBuilder.Build.Services.Verify;
using static GpuImageBuilder.Build.Tests.Verify.VerifyFixtures;

namespace GpuImageBuilder.Build.Tests.Verify;

/// <summary>WorkloadAssessment (marker and exit code together), WorkloadPlan (by digest, registry rewrite), the report table.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class WorkloadTests
{
    private static readonly ValidationImageLock LockFile = Lock();

    private static Workload Pass => Manifest(LockFile).Workloads[0];

    private static Workload Fail => Manifest(LockFile).Workloads[1];

    private const string Success = ValidationImages.SuccessMarker;
    private const string Failure = ValidationImages.FailureMarker;

    [Test]
    public void Exit_0_with_the_success_marker_passes()
    {
        var result = WorkloadAssessment.Assess("smoke-pass", Pass, new RemoteResult(0, $"smoke-pass: starting\n{Success}\n", string.Empty));
        Assert.That(result, Is.EqualTo(CheckResult.Pass("smoke-pass", $"exit 0, {Success}")));
    }

    [Test]
    public void An_expected_failure_with_its_marker_passes()
    {
        var result = WorkloadAssessment.Assess("smoke-fail", Fail, new RemoteResult(1, $"{Failure} smoke-fail: failing on purpose\n", string.Empty));
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Passed));
        Assert.That(result.Detail, Is.EqualTo($"failed as expected: exit 1, {Failure} smoke-fail: failing on purpose"));
    }

    [Test]
    public void Exit_0_without_the_marker_is_not_a_pass()
    {
        var result = WorkloadAssessment.Assess("smoke-pass", Pass, new RemoteResult(0, "hello\n", "warning: something\n"));
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Failed));
        Assert.That(result.Detail, Is.EqualTo("expected to pass: exit 0, no marker; stderr: warning: something"));
    }

    [Test]
    public void The_marker_inside_a_longer_line_is_not_the_marker()
    {
        var result = WorkloadAssessment.Assess("smoke-pass", Pass, new RemoteResult(0, $"echo {Success}\n", string.Empty));
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Failed));
    }

    [Test]
    public void A_workload_that_should_pass_but_failed_fails_with_its_diagnostic()
    {
        var result = WorkloadAssessment.Assess("smoke-pass", Pass, new RemoteResult(1, $"{Failure} no CUDA device\n", string.Empty));
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Failed));
        Assert.That(result.Detail, Is.EqualTo($"expected to pass: exit 1, {Failure} no CUDA device"));
    }

    [Test]
    public void Both_markers_is_never_a_pass()
    {
        var result = WorkloadAssessment.Assess("smoke-pass", Pass, new RemoteResult(0, $"{Success}\n{Failure} late error\n", string.Empty));
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Failed));
    }

    [Test]
    public void An_expected_failure_for_another_reason_is_a_failure()
    {
        var result = WorkloadAssessment.Assess("smoke-fail", Fail, new RemoteResult(1, string.Empty, "ctr: image not found\n"));
        Assert.That(result.Outcome, Is.EqualTo(CheckOutcome.Failed));
        Assert.That(result.Detail, Is.EqualTo($"expected to fail with {Failure}: exit 1, no marker; stderr: ctr: image not found"));
        var exitZero = WorkloadAssessment.Assess("smoke-fail", Fail, new RemoteResult(0, $"{Failure} but exit 0\n", string.Empty));
        Assert.That(exitZero.Outcome, Is.EqualTo(CheckOutcome.Failed), "the failure marker with exit 0 is not the expected failure");
    }

    [Test]
    public void The_plan_runs_every_workload_by_digest_and_again_through_CDI()
    {
        var runs = WorkloadPlan.For(LockFile, Manifest(LockFile), null, "images.lock.json");
        Assert.That(runs.Select(r => r.Name), Is.EqualTo(new[]
        {
            "smoke-pass (containerd, runc)", "smoke-fail (containerd, runc)", "cuda-basic (containerd, nvidia runtime)",
            "smoke-pass (CDI nvidia.com/gpu=all)", "smoke-fail (CDI nvidia.com/gpu=all)", "cuda-basic (CDI nvidia.com/gpu=all)",
        }));
        Assert.That(runs[0].Reference, Is.EqualTo("127.0.0.1:5000/gpu-image-builder/smoke-pass@" + Digest('a')));
        Assert.That(runs.Select(r => r.Needs), Is.EqualTo(new[] { CheckNeeds.Nothing, CheckNeeds.Nothing, CheckNeeds.Gpu, CheckNeeds.Gpu, CheckNeeds.Gpu, CheckNeeds.Gpu }));
    }

    [Test]
    public void The_instance_registry_replaces_only_the_registry_never_the_path_or_digest()
    {
        var registry = InstanceRegistry.Parse("http://10.0.2.100:5000/");
        Assert.That(registry, Is.EqualTo(new InstanceRegistry("10.0.2.100:5000", true)));
        var runs = WorkloadPlan.For(LockFile, Manifest(LockFile), registry, "images.lock.json");
        Assert.That(runs[1].Reference, Is.EqualTo("10.0.2.100:5000/gpu-image-builder/smoke-fail@" + Digest('b')));
        Assert.That(InstanceRegistry.Parse("registry.example.com"), Is.EqualTo(new InstanceRegistry("registry.example.com", false)));
    }

    [Test]
    public void An_image_the_lock_does_not_pin_is_an_error_naming_the_fix()
    {
        var manifest = Manifest(LockFile);
        manifest = manifest with { Workloads = [manifest.Workloads[0] with { Image = "127.0.0.1:5000/gpu-image-builder/smoke-pass:latest" }] };
        var error = Assert.Throws<InvalidDataException>(() => WorkloadPlan.For(LockFile, manifest, null, "images.lock.json"));
        Assert.That(error!.Message, Does.Contain("smoke-pass:latest is not pinned in images.lock.json").And.Contain("PublishValidationImages"));
    }

    [Test]
    public void A_lock_digest_that_is_not_sha256_is_an_error()
    {
        var bad = LockFile.Images[0] with { Digest = "sha256:abc" };
        var error = Assert.Throws<InvalidDataException>(() => WorkloadPlan.Rewrite(bad, LockFile.Registry, null, "images.lock.json"));
        Assert.That(error!.Message, Does.Contain("not sha256:<64 hex>"));
    }

    [Test]
    public void A_repository_outside_the_locks_registry_is_not_rewritten()
    {
        var other = LockFile.Images[0] with { Repository = "ghcr.io/someone/smoke-pass" };
        var error = Assert.Throws<InvalidDataException>(() => WorkloadPlan.Rewrite(other, LockFile.Registry, InstanceRegistry.Parse("10.0.2.100:5000"), "images.lock.json"));
        Assert.That(error!.Message, Does.Contain("is not under the lock's registry 127.0.0.1:5000"));
    }

    [Test]
    public void Run_commands_quote_every_argument_and_pick_the_route()
    {
        var runs = WorkloadPlan.For(LockFile, Manifest(LockFile), null, "images.lock.json");
        var runc = InstanceVerifier.RunCommand(runs[0], ctrHasCdiFlag: true);
        Assert.That(runc, Does.StartWith("sudo -n 'ctr' '-n' 'gpu-image-builder' 'run' '--rm' '127.0.0.1:5000/gpu-image-builder/smoke-pass@sha256:"));
        Assert.That(runc, Does.EndWith("'/workload'"));
        Assert.That(InstanceVerifier.RunCommand(runs[2], true), Does.Contain("'--runc-binary' '/usr/bin/nvidia-container-runtime'"));
        Assert.That(InstanceVerifier.RunCommand(runs[3], true), Does.Contain("'--cdi-device' 'nvidia.com/gpu=all'"));
        Assert.That(InstanceVerifier.RunCommand(runs[3], false), Does.Contain("'--device' 'nvidia.com/gpu=all'"));
        Assert.That(InstanceVerifier.PullCommand(runs[0].Reference, plainHttp: true), Does.Contain("'pull' '--plain-http' '127.0.0.1"));
        Assert.That(InstanceShell.Quote("it's"), Is.EqualTo("'it'\\''s'"));
    }

    [Test]
    public void The_verify_script_without_a_gpu_is_not_run_or_a_failure_as_expect_gpu_says()
    {
        var noGpu = new RemoteResult(VerifyScriptRun.NoGpuExitCode, string.Empty, "06-verify-nvidia.sh: error: no /proc/driver/nvidia/params\n");
        Assert.That(VerifyScriptRun.Assess(noGpu, Expect(expectGpu: false)), Is.EqualTo(CheckResult.NotRun(VerifyScriptRun.Name, "no GPU on this host")));
        Assert.That(VerifyScriptRun.Assess(noGpu, Expect(expectGpu: true)).Outcome, Is.EqualTo(CheckOutcome.Failed));
        var ok = new RemoteResult(0, "06-verify-nvidia.sh: ok: EnableGpuFirmware is 1\n06-verify-nvidia.sh: ok: GSP firmware 565.57.01\n", string.Empty);
        Assert.That(VerifyScriptRun.Assess(ok, Expect()).Detail, Is.EqualTo("PASSED (2 ok)"));
        var failed = new RemoteResult(1, string.Empty, "error: EnableGpuFirmware is 18 (0x12, the driver's default policy)\n");
        Assert.That(VerifyScriptRun.Assess(failed, Expect()).Detail, Does.StartWith("exit 1: error: EnableGpuFirmware is 18"));
    }

    [Test]
    public void The_report_table_shows_every_row_and_the_verdict()
    {
        var report = new VerifyReport("ubuntu@127.0.0.1:2222",
        [
            CheckResult.Pass(InstanceChecks.Toolkit, "NVIDIA Container Toolkit CLI version 1.17.3"),
            CheckResult.Fail(InstanceChecks.RuntimeClass, "/etc/gpu-image/kubernetes/runtimeclass-nvidia.yaml is missing"),
            CheckResult.NotRun(InstanceChecks.GspFirmware, VerifyExpectations.NoGpu),
        ]);
        var text = report.Render();
        var lines = text.Split('\n');
        Assert.That(lines.Single(l => l.Contains(InstanceChecks.Toolkit, StringComparison.Ordinal)), Does.Match(@"\|\s*nvidia-ctk\s*\|\s*passed\s*\|\s*NVIDIA Container Toolkit CLI version 1.17.3\s*\|"));
        Assert.That(lines.Single(l => l.Contains(InstanceChecks.RuntimeClass, StringComparison.Ordinal)), Does.Contain("FAILED"));
        Assert.That(lines.Single(l => l.Contains(InstanceChecks.GspFirmware, StringComparison.Ordinal)), Does.Match(@"\|\s*not run\s*\|\s*no GPU on this host\s*\|"));
        Assert.That(lines[^1], Is.EqualTo("VerifyInstance ubuntu@127.0.0.1:2222: 1 passed, 1 failed, 1 not run"));
        Assert.That(text, Does.Not.Contain("\u001b["), "no colour codes: the table also lands in CI logs");
        Assert.That((report.Passed, report.Failed, report.NotRun), Is.EqualTo((1, 1, 1)));
    }
}
