using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Matrix;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Validation;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Validation;

/// <summary>
/// Validate over the matrix: every combination's Packer runs, grouped by what Packer can see, and the checks
/// Validate makes for each combination itself. (The real Packer run over all of them is
/// <see cref="AssetValidatorTests.The_real_assets_pass"/>.)
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class MatrixValidationTests
{
    private static BuildParameters Parameters(IReadOnlyCollection<string> images) =>
        BuildParameters.Create(new ParameterSources(_ => null, _ => null, _ => null, _ => null), "Validate", images);

    private static List<AssetValidator.MatrixRun> Runs(AssetSandbox sandbox, ImageCatalog catalog) =>
        AssetValidator.PackerRunsOverMatrix(sandbox.Assets, catalog, Parameters(catalog.Names.ToList()), sandbox.PathOf("work"), "/seed", "/seed/key").ToList();

    [Test]
    public void Packer_sees_the_base_image_and_the_non_string_variables_not_the_versions()
    {
        var visible = BuilderVisibleVariables.Read(RepoPaths.InRepo("templates"));
        Assert.That(visible, Is.SupersetOf(new[] { "base_image_url", "base_image_checksum", "disk_size", "ovmf_firmware", "serial_log", "run_base_scripts", "memory", "cpus", "base_scripts" }));
        Assert.That(visible, Has.None.AnyOf("kubernetes_version", "nvidia_driver_version", "nvidia_container_toolkit_version", "containerd_sandbox_image", "nvidia_cuda_repo_distro"));
    }

    [Test]
    public void Every_combination_of_every_image_run_is_checked_and_packer_runs_once_per_distinct_view()
    {
        using var sandbox = new AssetSandbox();
        var catalog = ImageCatalog.Load(sandbox.PathOf("templates/images"));
        var runs = Runs(sandbox, catalog);
        Assert.That(runs, Has.Count.EqualTo(24 * 3), "24 combinations x (gpu-ready, nvidia-firmware1, nvidia-firmware1 layered)");
        Assert.That(runs.Select(r => r.Parameters.Combination.Id).Distinct().Count(), Is.EqualTo(24));
        var noble = runs.First(r => r.Parameters.Combination.Id == "ubuntu24.04-nvidia580-k8s1.33" && r.Run.Image.Name == "nvidia-firmware1");
        var values = noble.Variables.ToDictionary(v => v.Key, v => v.Value);
        Assert.Multiple(() =>
        {
            Assert.That(values["base_image_url"], Does.Contain("/noble/"));
            Assert.That(values["nvidia_driver_version"], Is.EqualTo("580.95.05"));
            Assert.That(values["nvidia_container_toolkit_version"], Is.EqualTo("1.18.0"));
            Assert.That(values["kubernetes_version"], Is.EqualTo("v1.33.8"));
            Assert.That(values["containerd_sandbox_image"], Is.EqualTo("registry.k8s.io/pause:3.10"));
            Assert.That(values["nvidia_cuda_repo_distro"], Is.EqualTo("ubuntu2404"));
        });

        var visible = BuilderVisibleVariables.Read(sandbox.Assets.Templates);
        Assert.That(runs.Select(r => r.Key(visible)).Distinct().Count(), Is.EqualTo(3), "both Ubuntu pins have the same form: one Packer run per image run");
    }

    [Test]
    public void A_version_the_builder_starts_to_use_splits_the_runs_by_its_values()
    {
        using var sandbox = new AssetSandbox();
        sandbox.Replace("templates/gpu-image.pkr.hcl", "machine_type    = \"q35\"", "machine_type    = var.containerd_sandbox_image == \"\" ? \"pc\" : \"q35\"");
        var catalog = ImageCatalog.Load(sandbox.PathOf("templates/images"));
        var visible = BuilderVisibleVariables.Read(sandbox.Assets.Templates);
        Assert.That(visible, Does.Contain("containerd_sandbox_image"));
        Assert.That(Runs(sandbox, catalog).Select(r => r.Key(visible)).Distinct().Count(), Is.EqualTo(3 * 2), "pause 3.9 and 3.10");
    }

    [Test]
    public void A_base_image_pin_of_another_form_gets_its_own_packer_run()
    {
        using var sandbox = new AssetSandbox();
        var catalog = ImageCatalog.Load(sandbox.PathOf("templates/images"));
        var visible = BuilderVisibleVariables.Read(sandbox.Assets.Templates);
        var runs = Runs(sandbox, catalog);
        var odd = runs[0] with { Variables = runs[0].Variables.Select(v => v.Key == "base_image_checksum" ? new KeyValuePair<string, string>(v.Key, "md5:0123") : v).ToList() };
        Assert.That(odd.Key(visible), Is.Not.EqualTo(runs[0].Key(visible)));
    }

    [Test]
    public void The_templates_defaults_must_be_the_tables_default_combination()
    {
        using var sandbox = new AssetSandbox();
        sandbox.Replace("templates/variables.pkr.hcl", "default     = \"registry.k8s.io/pause:3.9\"", "default     = \"registry.k8s.io/pause:3.8\"");
        sandbox.Replace("templates/variables.pkr.hcl", "sha256:ff271290a23279ce764561dbe2e9c3ec29da899535b571a987c37b47970c2ad9", "sha256:" + new string('0', 64));
        var problems = AssetValidator.CheckMatrixPins(sandbox.Assets).ToList();
        Assert.That(problems.Select(p => p.Message), Has.Some.StartsWith("default containerd_sandbox_image = \"registry.k8s.io/pause:3.8\" differs from the default combination of build/Matrix/supported-matrix.json ('registry.k8s.io/pause:3.9')"));
        Assert.That(problems.Select(p => p.Message), Has.Some.StartsWith("default base_image_checksum = \"sha256:0000"));
        Assert.That(problems.All(p => p.File == "templates/variables.pkr.hcl" && p.Line > 0), string.Join("\n", problems));
    }

    [Test]
    public void The_scripts_repository_defaults_must_give_the_tables_repositories()
    {
        using var sandbox = new AssetSandbox();
        sandbox.Replace("scripts/03-kubernetes-tools.sh", "${KUBERNETES_APT_BASE_URL:-https://pkgs.k8s.io/core:/stable:}", "${KUBERNETES_APT_BASE_URL:-https://pkgs.k8s.io/core:/prerelease:}");
        sandbox.Replace("scripts/04-nvidia-driver.sh", "${NVIDIA_CUDA_REPO_DISTRO:-ubuntu2204}", "${NVIDIA_CUDA_REPO_DISTRO:-ubuntu2404}");
        var problems = AssetValidator.CheckMatrixPins(sandbox.Assets).ToList();
        Assert.That(problems.Select(p => (p.File, p.Message)), Is.EquivalentTo(new[]
        {
            ("scripts/03-kubernetes-tools.sh", "KUBERNETES_APT_BASE_URL=https://pkgs.k8s.io/core:/prerelease: gives https://pkgs.k8s.io/core:/prerelease:/v1.30/deb/ for v1.30, the table says https://pkgs.k8s.io/core:/stable:/v1.30/deb/"),
            ("scripts/04-nvidia-driver.sh", "default NVIDIA_CUDA_REPO_DISTRO=ubuntu2404 differs from the default Ubuntu release's 'ubuntu2204' (build/Matrix/supported-matrix.json)"),
        }));
    }

    [Test]
    public void The_real_assets_agree_with_the_table()
    {
        using var sandbox = new AssetSandbox();
        var catalog = ImageCatalog.Load(sandbox.PathOf("templates/images"));
        var problems = AssetValidator.CheckMatrixPins(sandbox.Assets).Concat(AssetValidator.CheckCombinations(sandbox.Assets, catalog, Parameters(catalog.Names.ToList()))).ToList();
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    [Test]
    public void A_name_too_long_in_some_combination_is_reported_with_that_combination()
    {
        using var sandbox = new AssetSandbox();
        var definitions = sandbox.PathOf("long-images");
        Directory.CreateDirectory(definitions);
        var longName = "nvidia-" + new string('x', 40);
        File.Copy(sandbox.PathOf("templates/images/gpu-ready.pkrvars.hcl"), Path.Combine(definitions, "gpu-ready.pkrvars.hcl"));
        File.WriteAllText(Path.Combine(definitions, longName + ".pkrvars.hcl"),
            File.ReadAllText(sandbox.PathOf("templates/images/nvidia-firmware1.pkrvars.hcl")).Replace("\"nvidia-firmware1\"", $"\"{longName}\"", StringComparison.Ordinal));
        var catalog = ImageCatalog.Load(definitions);
        var problems = AssetValidator.CheckCombinations(sandbox.Assets, catalog, Parameters(catalog.Names.ToList())).ToList();
        // 47 characters + "-" + 8-digit version fit; the branch, "-noble" and "-k8s1.3x" push some past 63.
        Assert.That(problems.Select(p => p.Message), Has.Some.Contains("matrix ubuntu24.04-nvidia580-k8s1.33: registered name 'nvidia-580-" + new string('x', 40) + "-noble-k8s1.33-"));
        Assert.That(problems.Select(p => p.Message), Has.None.Contains("matrix ubuntu22.04-nvidia565-k8s1.30:"), "the default combination's name fits");
    }

    [Test]
    public void A_variable_the_build_sets_must_be_declared()
    {
        using var sandbox = new AssetSandbox();
        sandbox.Replace("templates/variables.pkr.hcl", "variable \"nvidia_cuda_repo_distro\"", "variable \"nvidia_cuda_repository\"");
        var catalog = ImageCatalog.Load(sandbox.PathOf("templates/images"));
        var problems = AssetValidator.CheckCombinations(sandbox.Assets, catalog, Parameters(catalog.Names.ToList())).ToList();
        Assert.That(problems.Select(p => p.Message), Has.Some.EqualTo("variable \"nvidia_cuda_repo_distro\" is set by the build but not declared in the templates; declare it in templates/variables.pkr.hcl"));
    }
}
