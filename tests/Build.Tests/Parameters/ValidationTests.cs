using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Parameters;

/// <summary>Every validation rule, with a bad value, as the lifetime would report it.</summary>
[TestFixture]
public sealed class ValidationTests
{
    private static readonly string[] ImageNames = ["gpu-ready", "nvidia-firmware1"];

    private const ParameterGroup Everything =
        ParameterGroup.Images | ParameterGroup.Build | ParameterGroup.S3Location | ParameterGroup.S3Credentials | ParameterGroup.Region;

    /// <summary>A complete valid set, overridden by <paramref name="overrides"/>.</summary>
    private static BuildParameters Parameters(string target = "Register", params (string Arg, string? Value)[] overrides)
    {
        var args = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var a in ValidInputs.Region().Concat(ValidInputs.S3()))
        {
            var eq = a.IndexOf('=');
            args[a[2..eq]] = a[(eq + 1)..];
        }

        foreach (var (arg, value) in overrides)
        {
            args[arg] = value;
        }

        var sources = new ParameterSources(n => args.GetValueOrDefault(n), _ => null, _ => null, _ => null);
        return BuildParameters.Create(sources, target, ImageNames, new DateTime(2026, 11, 21, 0, 0, 0, DateTimeKind.Utc));
    }

    [Test]
    public void A_complete_valid_set_has_no_problems()
    {
        Assert.That(Parameters().Check(Everything), Is.Empty);
    }

    [TestCase(Arg.Image, "cuda-ready", "no image named 'cuda-ready'; expected gpu-ready, nvidia-firmware1 or all")]
    [TestCase(Arg.ImageVersion, "v1/2", "may contain letters, digits")]
    [TestCase(Arg.UbuntuVersion, "22.4", "not a version like 22.04")]
    [TestCase(Arg.UbuntuCodename, "Jammy Jellyfish", "not a codename like jammy")]
    [TestCase(Arg.KubernetesVersion, "1.30.14", "not a version like v1.30.14")]
    [TestCase(Arg.KubernetesVersion, "v1.30", "not a version like v1.30.14")]
    [TestCase(Arg.NvidiaDriverVersion, "565", "not a full driver version like 565.57.01")]
    [TestCase(Arg.NvidiaKernelModules, "closed", "must be open or proprietary")]
    [TestCase(Arg.NvidiaContainerToolkitVersion, "latest", "not a version like 1.17.8")]
    [TestCase(Arg.GpuModels, "H100,H200-SXM", "'H200-SXM' may contain only letters, digits and _")]
    [TestCase(Arg.GpuModels, ",", "no GPU model given")]
    [TestCase(Arg.BaseImage, "ftp://mirror/x.img", "'ftp:' is neither http(s) nor a local file")]
    [TestCase(Arg.BaseImage, "/nonexistent/jammy.img", "no such file '/nonexistent/jammy.img'")]
    [TestCase(Arg.BaseImage, "file:///nonexistent/jammy.img", "no such file '/nonexistent/jammy.img'")]
    [TestCase(Arg.BaseImage, "images/jammy.img", "no such file")]
    [TestCase(Arg.BaseImageChecksum, "md5:abc", "not a SHA-256")]
    [TestCase(Arg.Accelerator, "hvf", "must be auto, kvm or tcg")]
    [TestCase(Arg.Memory, "2G", "not a number of MiB")]
    [TestCase(Arg.Cpus, "0", "not a CPU count")]
    [TestCase(Arg.DiskSize, "8GB", "not a size like 8G")]
    [TestCase(Arg.DiskSize, "512M", "smaller than 1G")]
    [TestCase(Arg.PackerTimeout, "forever", "not a duration like 90m")]
    [TestCase(Arg.PackerTimeout, "0m", "not a duration like 90m")]
    [TestCase(Arg.PackerTimeout, "99999999999h", "not a duration like 90m")]
    [TestCase(Arg.Memory, "+2048", "not a number of MiB")]
    [TestCase(Arg.Memory, "99999999999", "not a number of MiB")]
    [TestCase(Arg.DiskSize, "99999999999G", "not a size like 8G")]
    [TestCase(Arg.S3Endpoint, "s3.example.com", "not an http(s) URL")]
    [TestCase(Arg.S3Bucket, "My_Bucket", "not an S3 bucket name")]
    [TestCase(Arg.S3Prefix, "/abs", "must be relative")]
    [TestCase(Arg.S3Region, "US East", "not a region name")]
    [TestCase(Arg.S3UrlMode, "private", "must be public or presigned")]
    [TestCase(Arg.S3PresignExpiry, "200h", "longer than SigV4's 7 days")]
    [TestCase(Arg.UploadPartSize, "4M", "smaller than S3's 5M minimum part")]
    [TestCase(Arg.UploadParallelism, "0", "not a number from 1 to 32")]
    [TestCase(Arg.Replace, "maybe", "not true or false")]
    [TestCase(Arg.PollInterval, "soon", "not a duration")]
    [TestCase(Arg.RegisterTimeout, "0s", "not a duration")]
    [TestCase(Arg.S3PathStyle, "maybe", "not true or false")]
    [TestCase(Arg.RegionUrl, "http://region.example.com", "must be https (http only for 127.0.0.1/localhost)")]
    [TestCase(Arg.RegionUrl, "region.example.com", "not a URL")]
    [TestCase(Arg.OrganizationId, "acme", "not a UUID")]
    [TestCase(Arg.RegionId, "c7568e2d", "not a UUID")]
    [TestCase(Arg.DryRun, "perhaps", "not true or false")]
    [TestCase(Arg.Force, "always", "not true or false")]
    [TestCase(Arg.KeepVm, "2", "not true or false")]
    [TestCase(Arg.SmokeTimeout, "10 minutes", "not a duration like 90m")]
    [TestCase(Arg.StallTimeout, "a while", "not a duration like 90m")]
    [TestCase(Arg.OutputDir, "", "is empty")]
    [TestCase(Arg.Definitions, " ", "is empty")]
    [TestCase(Arg.NvidiaFabricManager, "maybe", "not true or false")]
    [TestCase(Arg.ModuleSigningKey, "/nonexistent/signing.key", "no such file")]
    [TestCase(Arg.ModuleSigningCert, "/nonexistent/signing.crt", "no such file")]
    [TestCase(Arg.InstanceHost, "bad host!", "not a host name, address or ssh config alias")]
    [TestCase(Arg.InstanceUser, "Bad User", "not a user name like ubuntu")]
    [TestCase(Arg.SshKey, "/nonexistent/id_ed25519", "no such file")]
    [TestCase(Arg.SshPort, "70000", "not a port from 1 to 65535")]
    [TestCase(Arg.SshKnownHosts, " ", "is empty")]
    [TestCase(Arg.SshTimeout, "soon", "not a duration like 90m")]
    [TestCase(Arg.InstanceCommandTimeout, "later", "not a duration like 90m")]
    [TestCase(Arg.ExpectGpu, "perhaps", "not true or false")]
    [TestCase(Arg.InstanceRegistry, "not a registry!", "not a registry like registry.example.com:5000")]
    [TestCase(Arg.ImagePayload, " ", "is empty")]
    [TestCase(Arg.ValidationImagesLock, " ", "is empty")]
    [TestCase(Arg.WorkloadManifest, " ", "is empty")]
    [TestCase(Arg.ContainerEngine, "nerdctl", "must be auto, podman or docker")]
    [TestCase(Arg.Registry, "http://127.0.0.1:5000", "has a scheme")]
    [TestCase(Arg.Registry, "127.0.0.1:5000/Upper Case", "not a registry like 127.0.0.1:5000")]
    [TestCase(Arg.RegistryTlsVerify, "sometimes", "not true or false")]
    [TestCase(Arg.RegistryUsername, "bad user", "contains whitespace or ':'")]
    [TestCase(Arg.RegistryPasswordStdin, "yes please", "not true or false")]
    public void A_malformed_value_is_reported_with_its_argument_environment_variable_and_valid_form(string arg, string value, string reason)
    {
        var definition = ParameterCatalog.Get(arg);
        var extra = arg switch
        {
            Arg.BaseImage => new[] { (Arg.BaseImageChecksum, (string?)("sha256:" + new string('a', 64))) },
            Arg.BaseImageChecksum => [(Arg.BaseImage, "https://mirror.example/x.img")],
            // The other half of the pair, so that only the bad value is reported.
            Arg.ModuleSigningKey => [(Arg.ModuleSigningCert, RepoPaths.InRepo("README.md"))],
            Arg.ModuleSigningCert => [(Arg.ModuleSigningKey, RepoPaths.InRepo("README.md"))],
            _ => [],
        };
        var problems = Parameters("Register", [(arg, value), .. extra]).Check(Everything);
        Assert.That(problems, Has.Count.EqualTo(1), string.Join("\n", problems));
        Assert.That(problems[0], Does.StartWith($"--{arg} ({definition.Environment})"));
        Assert.That(problems[0], Does.Contain(reason));
        Assert.That(problems[0], Does.Contain("expected"));

        // A value the user gave is checked whatever the target: Validate needs only the image inputs.
        Assert.That(Parameters("Validate", [(arg, value), .. extra]).Check(ParameterGroup.Images), Is.EqualTo(problems));
    }

    [TestCase("Qz9SECRETx with space", Arg.Token)]
    [TestCase("AKIA Qz9SECRETx", Arg.S3AccessKey)]
    [TestCase("abc\tQz9SECRETx", Arg.S3SecretKey)]
    [TestCase("pass Qz9SECRETx", Arg.RegistryPassword)]
    public void Malformed_secrets_are_reported_without_the_value(string value, string arg)
    {
        var problems = Parameters("Register", (arg, value)).Check(Everything);
        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0], Does.StartWith($"--{arg} ("));
        Assert.That(problems[0], Does.Not.Contain("Qz9SECRETx"));
    }

    [Test]
    public void Every_missing_input_is_reported_together()
    {
        var sources = new ParameterSources(_ => null, _ => null, _ => null, _ => null);
        var problems = BuildParameters.Create(sources, "Register", ImageNames).Check(Everything);
        var named = problems.Select(p => p[2..p.IndexOf(' ')]).ToList();
        // The S3 keys are optional: without them the AWS SDK's credential chain supplies them.
        Assert.That(named, Is.EquivalentTo(new[] { Arg.S3Bucket, Arg.RegionUrl, Arg.OrganizationId, Arg.RegionId, Arg.Token }));
    }

    [Test]
    public void A_registry_password_on_the_command_line_is_refused_without_its_value()
    {
        var sources = new ParameterSources(n => n == Arg.RegistryPassword ? "Qz9SECRETx" : n == Arg.RegistryUsername ? "pusher" : null, _ => null, _ => null, _ => null);
        var problems = BuildParameters.Create(sources, "PublishValidationImages", ImageNames).Check(ParameterGroup.Images);
        Assert.That(problems, Has.One.StartWith("--registry-password: not accepted on the command line").And.Contains("GPU_IMAGE_REGISTRY_PASSWORD"));
        Assert.That(string.Join('\n', problems), Does.Not.Contain("Qz9SECRETx"));
    }

    [TestCase(new[] { Arg.RegistryUsername }, "--registry-username (GPU_IMAGE_REGISTRY_USERNAME): given without a password")]
    [TestCase(new[] { Arg.RegistryPasswordStdin }, "--registry-username (GPU_IMAGE_REGISTRY_USERNAME): missing")]
    [TestCase(new[] { Arg.RegistryUsername, Arg.RegistryPasswordStdin, Arg.RegistryPassword }, "--registry-password-stdin (GPU_IMAGE_REGISTRY_PASSWORD_STDIN): GPU_IMAGE_REGISTRY_PASSWORD is set too")]
    public void A_registry_user_needs_exactly_one_password_source(string[] given, string problem)
    {
        string? Value(string arg) => arg == Arg.RegistryPasswordStdin ? "true" : arg == Arg.RegistryUsername ? "pusher" : "Qz9SECRETx";
        var environment = given.ToDictionary(a => ParameterCatalog.Get(a).Environment, Value);
        var sources = new ParameterSources(_ => null, n => environment.GetValueOrDefault(n), _ => null, _ => null);
        var parameters = BuildParameters.Create(sources, "PublishValidationImages", ImageNames);
        Assert.That(parameters.Check(ParameterGroup.Registry), Has.Some.StartWith(problem));
        Assert.That(parameters.Check(ParameterGroup.Images), Is.Empty, "only PublishValidationImages needs a login");
    }

    [Test]
    public void The_registry_is_required_by_publish_and_parsed_into_host_and_path()
    {
        var none = BuildParameters.Create(new ParameterSources(_ => null, _ => null, _ => null, _ => null), "PublishValidationImages", ImageNames);
        Assert.That(none.Check(ParameterGroup.ContainerImages | ParameterGroup.Registry), Has.One.StartWith("--registry (GPU_IMAGE_REGISTRY): missing"));
        var given = BuildParameters.Create(new ParameterSources(n => n == Arg.Registry ? "127.0.0.1:5000/gpu/validation" : null, _ => null, _ => null, _ => null), "PublishValidationImages", ImageNames);
        var registry = given.RequireRegistry();
        Assert.That(registry.Address.Host, Is.EqualTo("127.0.0.1:5000"));
        Assert.That(registry.Address.Repository("smoke-pass"), Is.EqualTo("127.0.0.1:5000/gpu/validation/smoke-pass"));
        Assert.That(registry.TlsVerify, Is.True);
        Assert.That(given.RequireContainerImages().LockFile, Is.EqualTo("tests/gpu/images/images.lock.json"));
    }

    [TestCase(Arg.S3AccessKey, Arg.S3SecretKey)]
    [TestCase(Arg.S3SecretKey, Arg.S3AccessKey)]
    public void One_S3_key_without_the_other_is_reported(string given, string missing)
    {
        var sources = new ParameterSources(n => n == given ? "AKIAEXAMPLE" : null, _ => null, _ => null, _ => null);
        var problems = BuildParameters.Create(sources, "Upload", ImageNames).Check(Everything);
        Assert.That(problems, Has.One.StartWith($"--{missing} ").And.Contains($"--{given} was given"));
        Assert.That(string.Join('\n', problems), Does.Not.Contain("AKIAEXAMPLE"));
    }

    [TestCase(Arg.ModuleSigningKey, Arg.ModuleSigningCert)]
    [TestCase(Arg.ModuleSigningCert, Arg.ModuleSigningKey)]
    public void A_module_signing_file_without_the_other_is_one_up_front_error(string given, string missing)
    {
        var problems = Parameters("Validate", (given, RepoPaths.InRepo("README.md"))).Check(ParameterGroup.Images);
        Assert.That(problems, Has.Count.EqualTo(1), string.Join("\n", problems));
        Assert.That(problems[0], Does.StartWith($"--{missing} ({ParameterCatalog.Get(missing).Environment}): missing; --{given} was given"));
        Assert.That(problems[0], Does.Contain("Secure Boot off"));
    }

    [Test]
    public void Both_module_signing_files_give_their_full_paths_and_neither_means_unsigned()
    {
        var readme = RepoPaths.InRepo("README.md");
        var both = Parameters("Validate", (Arg.ModuleSigningKey, readme), (Arg.ModuleSigningCert, readme));
        Assert.That(both.Check(ParameterGroup.Images), Is.Empty);
        Assert.That(both.ModuleSigning, Is.EqualTo(new ModuleSigningFiles(Path.GetFullPath(readme), Path.GetFullPath(readme))));
        Assert.That(Parameters("Validate").ModuleSigning, Is.Null);
    }

    [Test]
    public void An_unreadable_module_signing_key_is_reported_without_reading_it()
    {
        if (Environment.UserName == "root" || (!OperatingSystem.IsWindows() && Environment.GetEnvironmentVariable("USER") == "root"))
        {
            Assert.Ignore("root reads every file: an unreadable file cannot be made here");
        }

        using var dir = new TempDir();
        var key = dir.File("signing.key");
        File.WriteAllText(key, "-----BEGIN PRIVATE KEY-----\nQz9SECRETx\n-----END PRIVATE KEY-----\n");
        File.SetUnixFileMode(key, UnixFileMode.None);
        var problems = Parameters("Validate", (Arg.ModuleSigningKey, key), (Arg.ModuleSigningCert, RepoPaths.InRepo("README.md"))).Check(ParameterGroup.Images);
        Assert.That(problems, Has.One.StartWith($"--{Arg.ModuleSigningKey} (").And.Contains("cannot be read"));
        Assert.That(string.Join('\n', problems), Does.Not.Contain("Qz9SECRETx"));
    }

    [Test]
    public void Rules_ReadableFile_rejects_a_directory_and_accepts_a_file()
    {
        Assert.That(Rules.ReadableFile(RepoPaths.InRepo("build")), Does.StartWith("no such file"));
        Assert.That(Rules.ReadableFile(RepoPaths.InRepo("README.md")), Is.Null);
    }

    [Test]
    public void A_missing_input_is_checked_only_for_the_tasks_that_need_it()
    {
        var parameters = Parameters("Validate", (Arg.Token, null), (Arg.S3Bucket, null));
        Assert.That(parameters.Check(ParameterGroup.Images), Is.Empty);
        Assert.That(parameters.Check(ParameterGroup.Region), Has.One.StartWith("--token (NSCALE_API_TOKEN): missing"));
        Assert.That(parameters.Check(ParameterGroup.S3Location), Has.One.StartWith("--s3-bucket (S3_BUCKET): missing"));
    }

    [Test]
    public void An_empty_value_of_a_parameter_without_a_default_is_unset()
    {
        // An example.env line left empty (NSCALE_API_TOKEN=) is "not given": missing where needed, fine elsewhere.
        var parameters = Parameters("Validate", (Arg.Token, string.Empty), (Arg.S3Endpoint, string.Empty));
        Assert.That(parameters.Check(ParameterGroup.Images | ParameterGroup.S3Location), Is.Empty);
        Assert.That(parameters.Check(ParameterGroup.Region), Has.One.StartWith("--token (NSCALE_API_TOKEN): missing"));
        Assert.That(parameters.RequireS3().Endpoint, Is.EqualTo(new Uri("https://s3.us-east-1.amazonaws.com/")));
    }

    [Test]
    public void Base_image_and_checksum_go_together()
    {
        Assert.That(Parameters("BuildQcow2", (Arg.BaseImage, "https://mirror.example/jammy.img")).Check(ParameterGroup.Build),
            Has.One.StartWith("--base-image-checksum (GPU_IMAGE_BASE_IMAGE_CHECKSUM): missing"));
        Assert.That(Parameters("BuildQcow2", (Arg.BaseImageChecksum, "sha256:" + new string('b', 64))).Check(ParameterGroup.Build),
            Has.One.StartWith("--base-image (GPU_IMAGE_BASE_IMAGE): missing"));
        Assert.That(Parameters("Validate", (Arg.BaseImage, "https://mirror.example/jammy.img")).Check(ParameterGroup.Images),
            Has.One.StartWith("--base-image-checksum (GPU_IMAGE_BASE_IMAGE_CHECKSUM): missing"), "given values are checked whatever the target");
        var ok = Parameters("BuildQcow2", (Arg.BaseImage, "https://mirror.example/jammy.img"), (Arg.BaseImageChecksum, new string('C', 64)));
        Assert.That(ok.Check(ParameterGroup.Build), Is.Empty);
        Assert.That(ok.BaseImage!.Checksum, Is.EqualTo("sha256:" + new string('c', 64)));
    }

    [Test]
    public void Registered_names_must_be_ones_the_region_accepts()
    {
        // Image names come from the definitions folder, so a long one plus a long version can exceed 63 characters.
        var longImage = "nvidia-firmware1-hopper-sxm5-datacenter";
        var version = new string('a', 30);
        var sources = new ParameterSources(n => n == Arg.ImageVersion ? version : null, _ => null, _ => null, _ => null);
        var problems = BuildParameters.Create(sources, "Validate", [longImage]).Check(ParameterGroup.Images);
        Assert.That(problems, Has.One.Contains($"the image name '{longImage}-{version}' is not one the region accepts"));
        Assert.That(Parameters().RegisteredName("gpu-ready"), Is.EqualTo("gpu-ready-20261121"));
    }

    [TestCase("BuildGpuReady", null, new[] { "gpu-ready" })]
    [TestCase("BuildNvidia", null, new[] { "nvidia-firmware1" })]
    [TestCase("BuildBoth", null, new[] { "gpu-ready", "nvidia-firmware1" })]
    [TestCase("Register", "nvidia-firmware1", new[] { "nvidia-firmware1" })]
    [TestCase("Register", "all", new[] { "gpu-ready", "nvidia-firmware1" })]
    public void Image_selection_follows_the_target_and_image_argument(string target, string? image, string[] expected)
    {
        var parameters = image is null ? Parameters(target) : Parameters(target, (Arg.Image, image));
        Assert.That(parameters.Images, Is.EqualTo(expected));
        Assert.That(parameters.Check(ParameterGroup.Images), Is.Empty);
    }

    [Test]
    public void An_image_argument_that_contradicts_the_target_is_an_error()
    {
        var problems = Parameters("BuildGpuReady", (Arg.Image, "nvidia-firmware1")).Check(ParameterGroup.Images);
        Assert.That(problems, Has.One.Contains("target BuildGpuReady builds gpu-ready only"));
    }

    [Test]
    public void Settings_records_never_print_secrets()
    {
        var parameters = Parameters();
        Assert.That(parameters.RequireRegionCredentials().ToString(), Does.Not.Contain(ValidInputs.Token).And.Contain("Token = (set)"));
        Assert.That(parameters.RequireS3Credentials().ToString(), Does.Not.Contain(ValidInputs.SecretKey).And.Not.Contain(ValidInputs.AccessKey));
        Assert.That(parameters.Describe(), Has.None.Contains(ValidInputs.Token));
    }

    [Test]
    public void Loopback_http_is_allowed_for_the_region_url()
    {
        Assert.That(Parameters("Register", (Arg.RegionUrl, "http://127.0.0.1:8080")).Check(Everything), Is.Empty);
    }
}
