using System.Reflection;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Parameters;

/// <summary>Values are parsed once into typed settings; what a task asks for after the check is never null.</summary>
[TestFixture]
public sealed class TypedParameterTests
{
    private static readonly string[] ImageNames = ["gpu-ready", "nvidia-firmware1"];

    private static BuildParameters Parameters(IEnumerable<string> arguments, string target = "Register")
    {
        var args = arguments.Select(a => a[2..].Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var sources = new ParameterSources(n => args.GetValueOrDefault(n), _ => null, _ => null, _ => null);
        return BuildParameters.Create(sources, target, ImageNames);
    }

    [Test]
    public void Every_parameter_has_a_test_of_a_bad_value()
    {
        static IEnumerable<string> Tested(string method) =>
            typeof(ValidationTests).GetMethod(method)!.GetCustomAttributes<TestCaseAttribute>().Select(t => (string)t.Arguments[0]!);

        var tested = Tested(nameof(ValidationTests.A_malformed_value_is_reported_with_its_argument_environment_variable_and_valid_form))
            .Concat(typeof(ValidationTests).GetMethod(nameof(ValidationTests.Malformed_secrets_are_reported_without_the_value))!
                .GetCustomAttributes<TestCaseAttribute>().Select(t => (string)t.Arguments[1]!))
            .ToHashSet();

        // --env-file's bad value is a file that is not there: FailureTests.Explicit_env_file_that_does_not_exist_is_an_error.
        var untested = ParameterCatalog.All.Select(d => d.Argument).Where(a => a != Arg.EnvFile && !tested.Contains(a));
        Assert.That(untested, Is.Empty);
    }

    [Test]
    public void Every_default_passes_its_own_rule()
    {
        // A rejected value reads back as its default: that stand-in must itself be valid.
        foreach (var definition in ParameterCatalog.All.Where(d => d.Default is not null))
        {
            Assert.That(definition.Check(definition.Default!), Is.Null, definition.Argument);
        }
    }

    [Test]
    public void Values_are_typed_when_the_parameters_are_built()
    {
        var parameters = Parameters(["--memory=4096", "--cpus=8", "--disk-size=3G", "--packer-timeout=1h30m", "--smoke-timeout=45s", "--stall-timeout=90s", "--keep-vm=true", "--gpu-models=H100, A100"]);
        Assert.That(parameters.Vm, Is.EqualTo(new VmSettings("auto", 4096, 8, "3G", 3L * 1024 * 1024 * 1024, TimeSpan.FromMinutes(90), TimeSpan.FromSeconds(90))));
        Assert.That(parameters.SmokeTimeout, Is.EqualTo(TimeSpan.FromSeconds(45)));
        Assert.That(parameters.KeepVm, Is.True);
        Assert.That(parameters.GpuModels, Is.EqualTo(new[] { "H100", "A100" }));
    }

    [Test]
    public void A_malformed_value_never_throws_when_read_it_reads_as_its_default_and_is_reported()
    {
        var parameters = Parameters(["--memory=2G", "--packer-timeout=forever", "--disk-size=lots"], target: "Validate");
        Assert.That(parameters.Vm, Is.EqualTo(new VmSettings("auto", 2048, 2, "8G", 8L * 1024 * 1024 * 1024, TimeSpan.FromHours(2), TimeSpan.FromMinutes(3))));
        Assert.That(parameters.Check(ParameterGroup.Images), Has.Count.EqualTo(3));
    }

    [Test]
    public void RequireS3_defaults_to_the_AWS_endpoint_of_the_region()
    {
        var s3 = Parameters(["--s3-bucket=gpu-images", "--s3-region=eu-west-1", "--s3-prefix=images/"]).RequireS3();
        Assert.That(s3, Is.EqualTo(new S3Settings(new Uri("https://s3.eu-west-1.amazonaws.com/"), "gpu-images", "images", "eu-west-1", false)));
    }

    [Test]
    public void RequireS3_gives_the_endpoint_as_a_base_url()
    {
        var s3 = Parameters(["--s3-bucket=gpu-images", "--s3-endpoint=http://127.0.0.1:9000/minio", "--s3-path-style=yes"]).RequireS3();
        Assert.That(s3.Endpoint, Is.EqualTo(new Uri("http://127.0.0.1:9000/minio/")));
        Assert.That(new Uri(s3.Endpoint, "gpu-images").AbsoluteUri, Is.EqualTo("http://127.0.0.1:9000/minio/gpu-images"));
        Assert.That(s3.PathStyle, Is.True);
    }

    [Test]
    public void RequireRegion_gives_parsed_ids_and_the_token_separately()
    {
        var parameters = Parameters(ValidInputs.Region());
        var region = parameters.RequireRegion();
        Assert.That(region, Is.EqualTo(new RegionSettings(
            new Uri("https://region.example.test/"),
            Guid.Parse("9a8b7c6d-1234-4e5f-8a9b-0c1d2e3f4a5b"),
            Guid.Parse("c7568e2d-f9ab-453d-9a3a-51375f78426b"))));
        Assert.That(parameters.RequireRegionCredentials().Token, Is.EqualTo(ValidInputs.Token));
    }

    [Test]
    public void Asking_for_settings_that_were_not_checked_is_a_clear_error()
    {
        var parameters = Parameters(["--s3-endpoint=not-a-url", "--s3-bucket=gpu-images"]);
        var s3 = Assert.Throws<InvalidOperationException>(() => parameters.RequireS3());
        Assert.That(s3!.Message, Does.StartWith("--s3-endpoint missing or invalid").And.Contain("[NeedsInputs(ParameterGroup.S3Location)]"));

        var region = Assert.Throws<InvalidOperationException>(() => parameters.RequireRegion());
        Assert.That(region!.Message, Does.StartWith("--region-url, --organization-id, --region-id missing or invalid"));
        Assert.Throws<InvalidOperationException>(() => parameters.RequireS3Credentials());
    }

    [Test]
    public void A_dry_run_passes_the_check_without_credentials_but_never_hands_out_a_null_one()
    {
        var parameters = Parameters([.. ValidInputs.Region(withToken: false), .. ValidInputs.S3(withKeys: false), "--dry-run=true"]);
        Assert.That(parameters.Check(ParameterGroup.Region | ParameterGroup.S3Location | ParameterGroup.S3Credentials), Is.Empty);
        Assert.That(parameters.RequireRegion().RegionId, Is.EqualTo(Guid.Parse("c7568e2d-f9ab-453d-9a3a-51375f78426b")));
        var ex = Assert.Throws<InvalidOperationException>(() => parameters.RequireRegionCredentials());
        Assert.That(ex!.Message, Does.StartWith("--token missing or invalid").And.Contain("dry run"));
    }
}
