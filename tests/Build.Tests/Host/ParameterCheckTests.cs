using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Host;

/// <summary>
/// Bad inputs through the real host: exit 1 before any task runs, one line per problem naming the argument, its
/// environment variable and the valid form; a value the user gave is checked whatever the target.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ParameterCheckTests
{
    private static readonly string Sha256 = "sha256:" + new string('a', 64);

    /// <summary>A bad value for every parameter that has a rule (--definitions and --env-file name files: tested apart).</summary>
    private static readonly IReadOnlyDictionary<string, string> BadValues = new Dictionary<string, string>
    {
        [Arg.Image] = "cuda-ready",
        [Arg.ImageVersion] = "v1/2",
        [Arg.UbuntuVersion] = "22.4",
        [Arg.UbuntuCodename] = "Jammy",
        [Arg.KubernetesVersion] = "1.30.14",
        [Arg.NvidiaDriverVersion] = "565",
        [Arg.NvidiaKernelModules] = "closed",
        [Arg.NvidiaContainerToolkitVersion] = "latest",
        [Arg.GpuModels] = "H200-SXM",
        [Arg.OutputDir] = " ",
        [Arg.BaseImage] = "images/missing.img",
        [Arg.BaseImageChecksum] = "md5:abc",
        [Arg.Accelerator] = "hvf",
        [Arg.Memory] = "2G",
        [Arg.Cpus] = "0",
        [Arg.DiskSize] = "8GB",
        [Arg.PackerTimeout] = "forever",
        [Arg.SmokeTimeout] = "soon",
        [Arg.StallTimeout] = "0m",
        [Arg.KeepVm] = "maybe",
        [Arg.S3Endpoint] = "s3.example.com",
        [Arg.S3Bucket] = "My_Bucket",
        [Arg.S3Prefix] = "/abs",
        [Arg.S3Region] = "US East",
        [Arg.S3PathStyle] = "sometimes",
        [Arg.S3AccessKey] = "AK Qz9SECRETx",
        [Arg.S3SecretKey] = "sk Qz9SECRETx",
        [Arg.RegionUrl] = "http://region.example.com",
        [Arg.OrganizationId] = "acme",
        [Arg.RegionId] = "c7568e2d",
        [Arg.Token] = "tok Qz9SECRETx",
        [Arg.DryRun] = "perhaps",
        [Arg.Force] = "always",
    };

    private static void AssertNoTaskRan(HostResult result)
    {
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.StdOut, Does.Not.Contain("Duration"), "no report table: no task ran");
        Assert.That(result.StdOut.Split('\n').Select(l => l.Trim()), Has.None.EqualTo("Validate"), "the Validate task did not start");
    }

    private static List<string> LinesNaming(HostResult result, string argument) =>
        result.Output.Split('\n').Where(l => l.Contains($"--{argument} ", StringComparison.Ordinal) || l.Contains($"--{argument}:", StringComparison.Ordinal)).ToList();

    [Test]
    public void A_malformed_memory_stops_Validate_before_it_starts_with_one_line()
    {
        using var host = new HostRunner();
        var result = host.Run("--target=Validate", "--memory=2G");
        AssertNoTaskRan(result);
        Assert.That(result.Output, Does.Contain("Error: 1 input is missing or invalid for target 'Validate':"));
        Assert.That(LinesNaming(result, Arg.Memory), Is.EqualTo(new[]
        {
            "  - --memory (GPU_IMAGE_MEMORY) = '2G': not a number of MiB between 512 and 1048576; expected a number of MiB, e.g. 2048",
        }), result.ToString());
        Assert.That(result.Output, Does.Not.Contain("not in a correct format"));
    }

    [Test]
    public void Every_malformed_value_is_reported_together_whatever_the_target()
    {
        using var host = new HostRunner();
        var result = host.Run(["--target=Validate", .. BadValues.Select(p => $"--{p.Key}={p.Value}")]);
        AssertNoTaskRan(result);
        Assert.That(result.Output, Does.Contain($"Error: {BadValues.Count} inputs are missing or invalid for target 'Validate':"), result.ToString());
        foreach (var argument in BadValues.Keys)
        {
            var definition = ParameterCatalog.Get(argument);
            var lines = LinesNaming(result, argument);
            Assert.That(lines, Has.Count.EqualTo(1), $"{argument}:\n{result}");
            Assert.That(lines[0], Does.StartWith($"  - --{argument} ({definition.Environment})"));
            Assert.That(lines[0], Does.EndWith($"; expected {definition.Expected}"));
        }

        Assert.That(result.Output, Does.Not.Contain("Qz9SECRETx"), "a malformed secret is never shown");
    }

    [Test]
    public void A_value_from_the_environment_env_file_or_cake_config_is_checked_whatever_the_target()
    {
        using var host = new HostRunner();
        host.Environment[Env.Cpus] = "0";
        host.WriteFile(".env", $"{Env.Memory}=2G\n");
        File.AppendAllText(host.PathOf("cake.config"), "\n[Build]\nPackerTimeout=forever\n");
        var result = host.Run("--target=Validate");
        AssertNoTaskRan(result);
        Assert.That(result.Output, Does.Contain("Error: 3 inputs are missing or invalid"), result.ToString());
        Assert.That(result.Output, Does.Contain("--cpus (GPU_IMAGE_CPUS) = '0': not a CPU count"));
        Assert.That(result.Output, Does.Contain("--memory (GPU_IMAGE_MEMORY) = '2G' (from .env): not a number of MiB"));
        Assert.That(result.Output, Does.Contain("--packer-timeout (GPU_IMAGE_PACKER_TIMEOUT) = 'forever' (from cake.config): not a duration"));
    }

    [Test]
    public void An_unknown_argument_is_an_error_with_the_nearest_name_alongside_every_other_problem()
    {
        using var host = new HostRunner();
        var result = host.Run("--target=Validate", "--imgae=gpu-ready", "--nvidia-driver-verison=570.86.15", "--memory=2G");
        AssertNoTaskRan(result);
        Assert.That(result.Output, Does.Contain("Error: 3 inputs are missing or invalid"), result.ToString());
        Assert.That(result.Output, Does.Contain("--imgae: unknown argument; did you mean --image (GPU_IMAGE)?"));
        Assert.That(result.Output, Does.Contain("--nvidia-driver-verison: unknown argument; did you mean --nvidia-driver-version (NVIDIA_DRIVER_VERSION)?"));
        Assert.That(result.Output, Does.Contain("--memory (GPU_IMAGE_MEMORY) = '2G'"));
    }

    [Test]
    public void Host_options_and_dry_run_are_known_arguments()
    {
        using var host = new HostRunner();
        var result = host.Run(["--target=Register", "--exclusive", "--dry-run", "--verbosity=minimal", .. ValidInputs.Region(withToken: false), .. ValidInputs.S3(withKeys: false)]);
        Assert.That(result.Output, Does.Not.Contain("unknown argument"), result.ToString());
        Assert.That(result.Output, Does.Contain("payload.json is missing: run GeneratePayload"), "the inputs passed: the task itself ran");
    }

    [Test]
    public void A_local_base_image_that_does_not_exist_is_reported_before_any_task()
    {
        using var host = new HostRunner();
        var result = host.Run("--target=Validate", "--base-image=images/jammy.img", $"--base-image-checksum={Sha256}");
        AssertNoTaskRan(result);
        Assert.That(LinesNaming(result, Arg.BaseImage), Is.EqualTo(new[]
        {
            $"  - --base-image (GPU_IMAGE_BASE_IMAGE) = 'images/jammy.img': no such file '{host.PathOf("images", "jammy.img")}'; expected an http(s) URL or an existing file",
        }), result.ToString());
    }

    [Test]
    public void A_base_image_url_is_not_looked_for_on_disk()
    {
        using var host = new HostRunner();
        var result = host.Run(["--target=Register", "--exclusive", "--base-image=https://mirror.example/jammy.img", $"--base-image-checksum={Sha256}", .. ValidInputs.Region(), .. ValidInputs.S3()]);
        Assert.That(result.Output, Does.Not.Contain("--base-image ("), result.ToString());
        Assert.That(result.Output, Does.Contain("payload.json is missing: run GeneratePayload"));
    }
}
