using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Packer;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Validation;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Validation;

/// <summary>
/// Validate against a copy of the real assets with one fault injected each time, using the real tools
/// (packer, shellcheck, bash, cloud-init).
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class AssetValidatorTests
{
    private static async Task<IReadOnlyList<ValidationProblem>> Validate(AssetSandbox sandbox, string definitions = "templates/images")
    {
        var runner = new CommandRunner();
        var catalog = ImageCatalog.Load(sandbox.PathOf(definitions));
        var sources = new ParameterSources(_ => null, _ => null, _ => null, _ => null);
        var parameters = BuildParameters.Create(sources, "Validate", catalog.Names.ToList());
        var work = sandbox.PathOf("work");
        Directory.CreateDirectory(work);
        return await new AssetValidator(runner, new PackerTool(runner)).ValidateAsync(sandbox.Assets, catalog, parameters, work);
    }

    [Test]
    public async Task The_real_assets_pass()
    {
        using var sandbox = new AssetSandbox();
        var problems = await Validate(sandbox);
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    [Test]
    public async Task The_fixture_definitions_pass()
    {
        using var sandbox = new AssetSandbox();
        CopyFixtureDefinitions(sandbox);
        var problems = await Validate(sandbox, "fixture-images");
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    [Test]
    public async Task A_broken_template_is_reported_with_file_and_line()
    {
        using var sandbox = new AssetSandbox();
        sandbox.Replace("templates/gpu-image.pkr.hcl", "machine_type", "machine_typo");
        var problems = await Validate(sandbox);
        Assert.That(problems, Has.Some.Matches<ValidationProblem>(p => p != null &&
            p.File == "templates/gpu-image.pkr.hcl" && p.Line > 0 && p.Message.Contains("machine_typo")), string.Join("\n", problems));
    }

    [Test]
    public async Task An_unformatted_template_is_reported()
    {
        using var sandbox = new AssetSandbox();
        File.AppendAllText(sandbox.PathOf("templates/variables.pkr.hcl"), "\nvariable \"unformatted\" {\ntype = string\n    default=\"x\"\n}\n");
        var problems = await Validate(sandbox);
        Assert.That(problems, Has.One.Matches<ValidationProblem>(p => p != null &&
            p.File == "templates/variables.pkr.hcl" && p.Message.Contains("packer fmt")), string.Join("\n", problems));
    }

    [Test]
    public async Task A_script_with_a_shellcheck_error_is_reported_with_file_and_line()
    {
        using var sandbox = new AssetSandbox();
        var script = sandbox.PathOf("scripts/05-nvidia-firmware-config.sh");
        File.AppendAllText(script, "\nrm -rf $UNQUOTED_DIR/*\n");
        var lineCount = File.ReadAllLines(script).Length;
        var problems = await Validate(sandbox);
        Assert.That(problems, Has.Some.Matches<ValidationProblem>(p => p != null &&
            p.File == "scripts/05-nvidia-firmware-config.sh" && p.Line == lineCount && p.Message.StartsWith("shellcheck")), string.Join("\n", problems));
    }

    [Test]
    public async Task A_script_with_a_syntax_error_is_reported_by_bash()
    {
        using var sandbox = new AssetSandbox();
        File.AppendAllText(sandbox.PathOf("scripts/01-system-update.sh"), "\nif true; then\n");
        var problems = await Validate(sandbox);
        Assert.That(problems, Has.Some.Matches<ValidationProblem>(p => p != null &&
            p.File == "scripts/01-system-update.sh" && p.Message.StartsWith("bash -n")), string.Join("\n", problems));
    }

    [Test]
    public async Task A_missing_script_is_reported_against_the_definition_that_names_it()
    {
        using var sandbox = new AssetSandbox();
        File.Delete(sandbox.PathOf("scripts/04-nvidia-driver.sh"));
        var problems = await Validate(sandbox);
        Assert.That(problems, Has.Some.Matches<ValidationProblem>(p => p != null &&
            p.File == "templates/images/nvidia-firmware1.pkrvars.hcl" && p.Line > 0 && p.Message == "script '04-nvidia-driver.sh' does not exist in scripts/"), string.Join("\n", problems));
    }

    [Test]
    public async Task A_version_pinned_in_a_definition_is_reported_because_the_build_owns_it()
    {
        using var sandbox = new AssetSandbox();
        File.AppendAllText(sandbox.PathOf("templates/images/gpu-ready.pkrvars.hcl"), "kubernetes_version = \"1.30\"\n");
        var problems = await Validate(sandbox);
        Assert.That(problems, Has.Some.Matches<ValidationProblem>(p => p != null &&
            p.File == "templates/images/gpu-ready.pkrvars.hcl" && p.Message.Contains("'kubernetes_version' is set by --kubernetes-version")), string.Join("\n", problems));
    }

    [Test]
    public async Task A_script_default_that_drifts_from_the_build_is_reported()
    {
        using var sandbox = new AssetSandbox();
        sandbox.Replace("scripts/03-kubernetes-tools.sh", "${KUBERNETES_VERSION:-v1.30.14}", "${KUBERNETES_VERSION:-v1.30.9}");
        sandbox.Replace("templates/variables.pkr.hcl", "\"565.57.01\"", "\"565.57.02\"");
        var problems = await Validate(sandbox);
        Assert.That(problems, Has.Some.Matches<ValidationProblem>(p => p != null &&
            p.File == "scripts/03-kubernetes-tools.sh" && p.Line > 0 && p.Message.Contains("KUBERNETES_VERSION=v1.30.9 differs from the build's --kubernetes-version default 'v1.30.14'")), string.Join("\n", problems));
        Assert.That(problems, Has.Some.Matches<ValidationProblem>(p => p != null &&
            p.File == "templates/variables.pkr.hcl" && p.Message.Contains("nvidia_driver_version = \"565.57.02\"")), string.Join("\n", problems));
    }

    [Test]
    public async Task A_shared_helper_copy_that_drifts_is_reported()
    {
        using var sandbox = new AssetSandbox();
        sandbox.Replace("scripts/02-gpu-prerequisites.sh", "\t\t-o Dpkg::Options::=--force-confold \\\n", "\t\t-o Dpkg::Options::=--force-confnew \\\n");
        var problems = await Validate(sandbox);
        Assert.That(problems, Has.One.Matches<ValidationProblem>(p => p != null &&
            p.File == "scripts/02-gpu-prerequisites.sh" && p.Line > 0 && p.Message.StartsWith("shared helper apt_get() differs from its copy in scripts/01-system-update.sh, ")), string.Join("\n", problems));
    }

    [Test]
    public async Task A_bad_firmware_flag_in_a_definition_is_reported()
    {
        using var sandbox = new AssetSandbox();
        sandbox.Replace("templates/images/nvidia-firmware1.pkrvars.hcl", "nvidia_enable_gpu_firmware = \"1\"", "nvidia_enable_gpu_firmware = \"yes\"");
        var problems = await Validate(sandbox);
        Assert.That(problems, Has.Some.Matches<ValidationProblem>(p => p != null && p.Message.Contains("nvidia_enable_gpu_firmware = \"yes\"")), string.Join("\n", problems));
    }

    [Test]
    public async Task Invalid_cloud_config_is_reported()
    {
        using var sandbox = new AssetSandbox();
        File.AppendAllText(sandbox.PathOf("cloud-init/smoke-user-data.yaml"), "\nruncmd: 5\n");
        var problems = await Validate(sandbox);
        Assert.That(problems, Has.Some.Matches<ValidationProblem>(p => p != null &&
            p.File == "cloud-init/smoke-user-data.yaml" && p.Message == "cloud-init schema: Cloud config schema errors: runcmd: 5 is not of type 'array'"), string.Join("\n", problems));
    }

    [Test]
    public void Packer_diagnostics_are_parsed_into_file_line_and_message()
    {
        const string output = """
            Error: Unsupported argument

              on pv/gpu-image.pkr.hcl line 30:
              (source code not available)

            An argument named "machine_typo" is not expected here. Did you mean
            "machine_type"?

            Error: 2 error(s) occurred:

            * Invalid disk size.
            * ssh_private_key_file is invalid: stat /tmp/x/nokey: no such file or directory

              on pv2/gpu-image.pkr.hcl line 15:
              15: source "qemu" "gpu-image" {

            """;
        var errors = AssetValidator.ParsePackerErrors(output);
        Assert.That(errors, Has.Count.EqualTo(2));
        Assert.That(errors[0], Is.EqualTo(((string?)"pv/gpu-image.pkr.hcl", (int?)30,
            "Unsupported argument An argument named \"machine_typo\" is not expected here. Did you mean \"machine_type\"?")));
        Assert.That(errors[1].Line, Is.EqualTo(15));
        Assert.That(errors[1].Message, Does.Contain("* Invalid disk size.").And.Not.Contain("source \"qemu\""));
    }

    [Test]
    public void A_definition_that_does_not_say_what_the_image_is_is_reported_before_any_tool_runs()
    {
        using var sandbox = new AssetSandbox();
        sandbox.Replace("templates/images/gpu-ready.pkrvars.hcl", "os_distro          = \"ubuntu\"\n", string.Empty);
        sandbox.Replace("templates/images/nvidia-firmware1.pkrvars.hcl", "os_distro          = \"ubuntu\"", "os_distro          = \"debian\"");
        var catalog = ImageCatalog.Load(sandbox.PathOf("templates/images"));
        var problems = AssetValidator.CheckDefinitions(sandbox.Assets, catalog).ToList();
        Assert.That(problems, Has.One.Matches<ValidationProblem>(p => p != null && p.File == "templates/images/gpu-ready.pkrvars.hcl" && p.Line == 2 &&
            p.Message == "os_distro is not set: the region payload needs it (e.g. os_distro = \"ubuntu\")"), string.Join("\n", problems));
        // Not Ubuntu: --ubuntu-version/--ubuntu-codename do not apply, the definition must pin both.
        Assert.That(problems.Where(p => p.File == "templates/images/nvidia-firmware1.pkrvars.hcl").Select(p => p.Message), Is.EquivalentTo(new[]
        {
            "os_version is not set: only for os_distro = \"ubuntu\" does it default to --ubuntu-version",
            "os_codename is not set: only for os_distro = \"ubuntu\" does it default to --ubuntu-codename",
        }), string.Join("\n", problems));
    }

    [Test]
    public void A_definition_value_the_region_spec_refuses_is_reported_with_the_spec_s_reason()
    {
        using var sandbox = new AssetSandbox();
        sandbox.Replace("templates/images/gpu-ready.pkrvars.hcl", "os_kernel          = \"linux\"", "os_kernel          = \"windows\"");
        sandbox.Replace("templates/images/gpu-ready.pkrvars.hcl", "image_architecture = \"x86_64\"", "image_architecture = \"amd64\"");
        var catalog = ImageCatalog.Load(sandbox.PathOf("templates/images"));
        var problems = AssetValidator.CheckDefinitions(sandbox.Assets, catalog).Where(p => p.File == "templates/images/gpu-ready.pkrvars.hcl").ToList();
        var lines = File.ReadAllLines(sandbox.PathOf("templates/images/gpu-ready.pkrvars.hcl"));
        Assert.That(problems.Select(p => (p.Line, p.Message)), Is.EquivalentTo(new[]
        {
            ((int?)(Array.FindIndex(lines, l => l.StartsWith("image_architecture")) + 1), "image_architecture = \"amd64\": Value should match one of the values specified by the enum (region spec: architecture)"),
            ((int?)(Array.FindIndex(lines, l => l.StartsWith("os_kernel")) + 1), "os_kernel = \"windows\": Value should match one of the values specified by the enum (region spec: imageOS)"),
        }), string.Join("\n", problems));
    }

    private static void CopyFixtureDefinitions(AssetSandbox sandbox)
    {
        var target = sandbox.PathOf("fixture-images");
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(RepoPaths.InRepo("tests", "fixture", "images"), "*.pkrvars.hcl"))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
    }
}
