using System.Diagnostics;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.GpuValidation;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.GpuValidation;

/// <summary>
/// The three validation images built with the real podman, run, rebuilt, pushed to a real docker-registry on
/// 127.0.0.1 with htpasswd auth and pulled back by digest. Every tag and repository is unique to this run (other
/// workers share the podman store); the tests remove only their own tags and never prune. The Debian bases are
/// cached in the repository's output/validation-images/bases and shared: the CUDA one is built once.
/// </summary>
[TestFixture]
[Category("ContainerImages")]
[NonParallelizable]
public sealed class ValidationImagesTests
{
    private const string Password = "Qz9-registry-SECRET-7f3a";
    private const string User = "pusher";

    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    private readonly CommandRunner _runner = new();
    private readonly ListLog _log = new();
    private readonly List<string> _tags = [];
    private TempDir _work = null!;
    private TempDir _registryDir = null!;
    private ContainerEngine _engine = null!;
    private BuiltValidationImages _built = null!;
    private string _registry = null!;
    private string _run = null!;

    [OneTimeSetUp]
    public async Task BuildOnceAndStartTheRegistry()
    {
        Assert.That(CommandRunner.Which("podman"), Is.Not.Null, "podman is needed: run tools/install-prerequisites.sh");
        _run = Guid.NewGuid().ToString("N")[..10];
        _work = new TempDir("gib-vimg");
        _registryDir = new TempDir("gib-reg");
        _engine = await new ContainerEngineSelection(_runner, _log).SelectAsync("podman", CancellationToken.None);
        _built = await Build($"localhost/gib-test-{_run}", noCache: false);

        var start = await _runner.RunAsync(
            RepoPaths.InRepo("tools", "servers", "registry.sh"),
            ["start", _registryDir.File("registry"), "--port", "0", "--auth", User, "--parent-pid", Environment.ProcessId.ToString()],
            new CommandOptions { StandardInput = Password + "\n", Timeout = TimeSpan.FromMinutes(1) });
        Assert.That(start.ExitCode, Is.Zero, start.StdErr);
        _registry = start.StdOut.Trim();
    }

    [OneTimeTearDown]
    public async Task RemoveOwnTagsAndStopTheRegistry()
    {
        if (_engine is not null)
        {
            await _engine.RemoveTagsAsync(_tags, CancellationToken.None);
        }

        if (_registryDir is not null)
        {
            await _runner.RunAsync(RepoPaths.InRepo("tools", "servers", "registry.sh"), ["stop", _registryDir.File("registry"), "--purge"]);
            _registryDir.Dispose();
        }

        _work?.Dispose();
    }

    [Test]
    public async Task Smoke_pass_prints_the_success_marker_and_exits_0_as_entrypoint_and_as_explicit_command()
    {
        var image = _built.Images.Single(i => i.Name == ValidationImages.SmokePass);
        foreach (var command in new[] { Array.Empty<string>(), image.Command.ToArray() })
        {
            var run = await _engine.RunAsync(image.Tag, command, RunTimeout, CancellationToken.None);
            Assert.That(run.ExitCode, Is.Zero, run.StdErr);
            Assert.That(Lines(run.StdOut), Does.Contain(ValidationImages.SuccessMarker));
            Assert.That(run.StdOut, Does.Not.Contain(ValidationImages.FailureMarker));
            Assert.That(run.StdOut, Does.Contain("running as uid 65534"), "the contract: a non-root user");
        }
    }

    [Test]
    public async Task Smoke_fail_prints_the_failure_marker_with_a_diagnostic_and_exits_non_zero()
    {
        var image = _built.Images.Single(i => i.Name == ValidationImages.SmokeFail);
        var run = await _engine.RunAsync(image.Tag, [], RunTimeout, CancellationToken.None);
        Assert.That(run.ExitCode, Is.Not.Zero);
        Assert.That(Lines(run.StdOut), Has.One.Matches<string>(l => l != null && l.StartsWith(ValidationImages.FailureMarker + ": ", StringComparison.Ordinal) && l.Length > ValidationImages.FailureMarker.Length + 5));
        Assert.That(Lines(run.StdOut), Does.Not.Contain(ValidationImages.SuccessMarker));
        Assert.That(run.StdErr, Does.Contain("fails on purpose"));
    }

    [Test]
    public async Task Cuda_basic_without_a_GPU_fails_with_no_CUDA_device_and_never_passes()
    {
        var image = _built.Images.Single(i => i.Name == ValidationImages.CudaBasic);
        var run = await _engine.RunAsync(image.Tag, [], RunTimeout, CancellationToken.None);
        Assert.That(run.ExitCode, Is.Not.Zero, run.StdOut);
        Assert.That(Lines(run.StdOut), Has.One.StartsWith(ValidationImages.FailureMarker + ": no CUDA device"));
        Assert.That(Lines(run.StdOut), Does.Not.Contain(ValidationImages.SuccessMarker));
        Assert.That(run.StdErr, Does.Contain("no CUDA device"));
        var whoami = await _engine.RunAsync(image.Tag, ["/usr/bin/id", "-u"], RunTimeout, CancellationToken.None);
        Assert.That(whoami.StdOut.Trim(), Is.EqualTo("65534"), "the contract: a non-root user");
    }

    [Test]
    public async Task The_same_sources_give_the_same_image_IDs_when_every_layer_is_rebuilt()
    {
        var again = await Build($"localhost/gib-test-{_run}-again", noCache: true);
        Assert.That(again.Images.Select(i => (i.Name, i.ImageId)), Is.EqualTo(_built.Images.Select(i => (i.Name, i.ImageId))));
        Assert.That(again.Images.Select(i => i.Inputs), Is.EqualTo(_built.Images.Select(i => i.Inputs)));
        Assert.That(_built.Images.Select(i => i.ImageId).Distinct().Count(), Is.EqualTo(3));
    }

    [Test]
    public async Task Publish_pushes_with_auth_writes_lock_and_manifest_and_the_images_pull_and_run_by_digest()
    {
        var options = new ValidationPublishOptions(_work.File("out/images.lock.json"), _work.File("out/workloads.json"), _work.Path);
        var registry = new RegistrySettings(RegistryAddress.Parse($"{_registry}/gib-{_run}"), TlsVerify: false);
        using var watcher = new ArgvWatcher(Password);
        var lockFile = await new ValidationImagePublisher(_log).PublishAsync(_engine, _built, registry, new RegistryCredentials(User, Password), options, CancellationToken.None);
        Assert.That(watcher.Stop(), Is.Empty, "the password was in a process's argv");
        Assert.That(_log.ToString(), Does.Not.Contain(Password));

        var read = ValidationImageFiles.ReadLock(options.LockFile);
        var manifest = ValidationImageFiles.ReadManifest(options.WorkloadManifest);
        Assert.That(read.Registry, Is.EqualTo(_registry));
        Assert.That(read.Images.Select(i => i.Digest), Is.EqualTo(lockFile.Images.Select(i => i.Digest)));
        Assert.That(read.Images, Has.All.Matches<LockedImage>(i => i != null && i.Digest.Length == 71 && i.Repository == $"{_registry}/gib-{_run}/{i.Name}" && i.Inputs.ContainsKey("sources")));
        Assert.That(manifest.Workloads.Select(w => (w.Name, w.Expect, w.NeedsGpu)), Is.EqualTo(new[]
        {
            (ValidationImages.SmokePass, WorkloadExpectation.Pass, false),
            (ValidationImages.SmokeFail, WorkloadExpectation.Fail, false),
            (ValidationImages.CudaBasic, WorkloadExpectation.Pass, true),
        }));
        Assert.That(manifest.Workloads.Select(w => w.Image), Is.EqualTo(read.Images.Select(i => i.Reference)));
        Assert.That(File.ReadAllText(options.LockFile) + File.ReadAllText(options.WorkloadManifest), Does.Not.Contain(Password));

        // Without the login the registry refuses the pull: it really checks credentials.
        var smokePass = read.Get(ValidationImages.SmokePass);
        var path = smokePass.Repository[(_registry.Length + 1)..];
        var anonymous = await _runner.RunAsync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", $"http://{_registry}/v2/{path}/manifests/{smokePass.Digest}"]);
        Assert.That(anonymous.StdOut.Trim(), Is.EqualTo("401"));

        // Pull back by digest into a clean name: remove the pushed tag first, so the run uses what came down.
        var authDir = new TempDir("gib-auth");
        try
        {
            var authFile = Path.Combine(authDir.Path, "auth.json");
            await _engine.LoginAsync(_registry, User, Password, tlsVerify: false, authFile, CancellationToken.None);
            await _engine.PullAsync(smokePass.Reference, tlsVerify: false, authFile, CancellationToken.None);
            _tags.Add(smokePass.Reference);
            var run = await _engine.RunAsync(smokePass.Reference, [], RunTimeout, CancellationToken.None);
            Assert.That(run.ExitCode, Is.Zero);
            Assert.That(Lines(run.StdOut), Does.Contain(ValidationImages.SuccessMarker));
            var inspect = await _runner.RunAsync("skopeo", ["inspect", "--tls-verify=false", "--authfile", authFile, "--format", "{{.Digest}}", "docker://" + smokePass.Reference]);
            Assert.That(inspect.StdOut.Trim(), Is.EqualTo(smokePass.Digest), "the registry serves the digest the lock file holds");
        }
        finally
        {
            authDir.Dispose();
        }

        // Pushing the same images again gives the same digests (the registry stores the same manifests).
        var second = await new ValidationImagePublisher(_log).PublishAsync(_engine, _built, registry, new RegistryCredentials(User, Password), options, CancellationToken.None);
        Assert.That(second.Images.Select(i => i.Digest), Is.EqualTo(lockFile.Images.Select(i => i.Digest)));
    }

    [Test]
    public async Task A_wrong_password_is_one_line_without_the_password_and_writes_nothing()
    {
        var options = new ValidationPublishOptions(_work.File("wrong/images.lock.json"), _work.File("wrong/workloads.json"), _work.Path);
        var registry = new RegistrySettings(RegistryAddress.Parse(_registry), TlsVerify: false);
        var error = await Assert.ThrowsAsync<ContainerEngineException>(() =>
            new ValidationImagePublisher(_log).PublishAsync(_engine, _built, registry, new RegistryCredentials(User, "wrong-" + Password), options, CancellationToken.None));
        Assert.That(error!.Message, Does.Contain($"login to {_registry} as {User} failed").And.Contains("check --registry-username"));
        Assert.That(error.Message, Does.Not.Contain(Password).And.Not.Contain("\n"));
        Assert.That(File.Exists(options.LockFile) || File.Exists(options.WorkloadManifest), Is.False);
    }

    [Test]
    public async Task A_registry_that_does_not_answer_is_one_line_naming_the_push_and_writes_nothing()
    {
        var options = new ValidationPublishOptions(_work.File("down/images.lock.json"), _work.File("down/workloads.json"), _work.Path);
        // Port 9 (discard) on loopback: nothing listens there.
        var registry = new RegistrySettings(RegistryAddress.Parse("127.0.0.1:9"), TlsVerify: false);
        var error = await Assert.ThrowsAsync<ContainerEngineException>(() =>
            new ValidationImagePublisher(_log).PublishAsync(_engine, _built, registry, null, options, CancellationToken.None));
        Assert.That(error!.Message, Does.StartWith("podman push of 127.0.0.1:9/smoke-pass:").And.Not.Contain("\n"));
        Assert.That(File.Exists(options.LockFile), Is.False);
    }

    [TestCase("auto", null, "--container-engine=auto: neither podman nor docker is installed; install podman (tools/install-prerequisites.sh) or Docker")]
    [TestCase("podman", null, "--container-engine=podman: podman is not installed; install it (tools/install-prerequisites.sh) or pass --container-engine=docker")]
    [TestCase("docker", null, "--container-engine=docker: docker is not installed; install Docker or pass --container-engine=podman")]
    [TestCase("docker", "/bin/false", "docker: its daemon does not answer (docker info failed); start it, or install podman and pass --container-engine=podman")]
    [TestCase("auto", "/bin/false", "docker: its daemon does not answer (docker info failed); start it, or install podman and pass --container-engine=podman")]
    public async Task A_missing_engine_or_a_docker_without_daemon_is_one_line_with_the_fix(string choice, string? docker, string message)
    {
        // No podman; docker either absent or a CLI whose `docker info` fails (/bin/false), as without a daemon.
        var selection = new ContainerEngineSelection(_runner, _log) { Which = tool => tool == "docker" ? docker : null };
        var error = await Assert.ThrowsAsync<ContainerEngineException>(() => selection.SelectAsync(choice, CancellationToken.None));
        Assert.That(error!.Message, Is.EqualTo(message));
    }

    private async Task<BuiltValidationImages> Build(string repository, bool noCache)
    {
        var work = Path.Combine(_work.Path, Path.GetFileName(repository));
        var options = new ValidationBuildOptions(RepoPaths.InRepo("tests", "gpu", "images"), work, repository, noCache, RepoPaths.InRepo("output", "validation-images", "bases"));
        var built = await new ValidationImageBuilder(new DebianBaseImages(_runner, _log), _runner, _log).BuildAsync(_engine, options, CancellationToken.None);
        _tags.AddRange(built.Images.Select(i => i.Tag));
        Assert.That(ValidationImageFiles.ReadBuilt(options.BuiltFile), Is.Not.Null);
        return built;
    }

    private static IReadOnlyList<string> Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

    /// <summary>Reads every process's argv while it runs, collecting any that holds the secret.</summary>
    private sealed class ArgvWatcher : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<List<string>> _task;

        public ArgvWatcher(string secret) => _task = Task.Run(() => Watch(secret, _stop.Token));

        public List<string> Stop()
        {
            _stop.Cancel();
            return _task.GetAwaiter().GetResult();
        }

        public void Dispose() => _stop.Dispose();

        private static List<string> Watch(string secret, CancellationToken stop)
        {
            var seen = new List<string>();
            var watch = Stopwatch.StartNew();
            while (!stop.IsCancellationRequested && watch.Elapsed < TimeSpan.FromMinutes(10))
            {
                foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => char.IsDigit(Path.GetFileName(d)[0])))
                {
                    try
                    {
                        var argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                        if (argv.Contains(secret, StringComparison.Ordinal))
                        {
                            seen.Add(argv.Replace(secret, "[SECRET]", StringComparison.Ordinal));
                        }
                    }
                    catch (IOException)
                    {
                    }
                    catch (UnauthorizedAccessException)
                    {
                    }
                }

                Thread.Sleep(20);
            }

            return seen;
        }
    }
}
