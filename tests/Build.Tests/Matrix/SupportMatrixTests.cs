using GpuImageBuilder.Build.Matrix;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Matrix;

/// <summary>The table (build/Matrix/supported-matrix.json): what it holds, and the rules that keep it honest.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class SupportMatrixTests
{
    private static readonly string TableText = File.ReadAllText(RepoPaths.InRepo("build", "Matrix", "supported-matrix.json"));

    private static string Broken(string from, string to)
    {
        Assert.That(TableText, Does.Contain(from), "the test's anchor is not in the table");
        return TableText.Replace(from, to, StringComparison.Ordinal);
    }

    [Test]
    public void The_embedded_table_is_the_file_in_the_repository()
    {
        Assert.That(SupportMatrix.Current, Is.EqualTo(SupportMatrix.Parse(TableText, "file")).Using<SupportMatrix>((a, b) =>
            a.Reviewed == b.Reviewed && a.Combinations().Select(c => c.Id).SequenceEqual(b.Combinations().Select(c => c.Id))
            && a.Ubuntu.SequenceEqual(b.Ubuntu) && a.NvidiaDriverBranches.SequenceEqual(b.NvidiaDriverBranches) && a.Kubernetes.SequenceEqual(b.Kubernetes)));
    }

    [Test]
    public void Jammy_is_the_default_with_the_templates_pin_and_noble_is_pinned_too()
    {
        var table = SupportMatrix.Current;
        Assert.Multiple(() =>
        {
            Assert.That(table.DefaultUbuntu.Codename, Is.EqualTo("jammy"));
            Assert.That(table.DefaultUbuntu.BaseImage.Sha256, Is.EqualTo("ff271290a23279ce764561dbe2e9c3ec29da899535b571a987c37b47970c2ad9"));
            var noble = table.FindUbuntu("24.04")!;
            Assert.That(noble.Codename, Is.EqualTo("noble"));
            Assert.That(noble.BaseImage.Url, Does.StartWith("https://cloud-images.ubuntu.com/releases/noble/release-"));
            Assert.That(noble.BaseImage.Sha256, Does.Match("^[0-9a-f]{64}$"));
            Assert.That(noble.CudaRepositoryDistro, Is.EqualTo("ubuntu2404"));
        });
    }

    [Test]
    public void Driver_branches_565_default_and_ended_570_580_supported_with_matched_fabric_manager()
    {
        var branches = SupportMatrix.Current.NvidiaDriverBranches;
        Assert.That(branches.Select(b => b.Describe()), Is.EqualTo(new[] { "565 (feature branch, ended, default)", "570 (production branch)", "580 (long-term branch)" }));
        Assert.That(branches.Select(b => b.FabricManagerVersion), Is.EqualTo(branches.Select(b => b.DriverVersion)));
        Assert.That(branches.Select(b => b.FabricManagerPackage), Is.EqualTo(new[] { "nvidia-fabricmanager-565", "nvidia-fabricmanager-570", "nvidia-fabricmanager-580" }));
    }

    [TestCase("v1.30", "registry.k8s.io/pause:3.9")]
    [TestCase("v1.31", "registry.k8s.io/pause:3.10")]
    [TestCase("v1.32", "registry.k8s.io/pause:3.10")]
    [TestCase("v1.33", "registry.k8s.io/pause:3.10")]
    public void Each_kubernetes_minor_has_kubeadms_pause_image_and_its_repository(string minor, string pause)
    {
        var kubernetes = SupportMatrix.Current.FindKubernetes(minor)!;
        Assert.That(kubernetes.PauseImage, Is.EqualTo(pause));
        Assert.That(kubernetes.PackageRepository, Is.EqualTo($"https://pkgs.k8s.io/core:/stable:/{minor}/deb/"));
    }

    [Test]
    public void Every_combination_is_listed_once_the_default_first()
    {
        var combinations = SupportMatrix.Current.Combinations().ToList();
        Assert.That(combinations, Has.Count.EqualTo(2 * 3 * 4));
        Assert.That(combinations[0].IsDefault, Is.True);
        Assert.That(combinations.Count(c => c.IsDefault), Is.EqualTo(1));
        Assert.That(combinations.Select(c => c.Id).Distinct().Count(), Is.EqualTo(combinations.Count));
    }

    [Test]
    public void The_catalogs_defaults_are_the_tables_default_combination()
    {
        var table = SupportMatrix.Current;
        Assert.Multiple(() =>
        {
            Assert.That(ParameterCatalog.Get(Arg.UbuntuVersion).Default, Is.EqualTo(table.DefaultUbuntu.Version));
            Assert.That(ParameterCatalog.Get(Arg.NvidiaDriverVersion).Default, Is.EqualTo(table.DefaultBranch.DriverVersion).And.EqualTo("565.57.01"));
            Assert.That(ParameterCatalog.Get(Arg.KubernetesVersion).Default, Is.EqualTo(table.DefaultKubernetes.Version).And.EqualTo("v1.30.14"));
            Assert.That(ParameterCatalog.Get(Arg.NvidiaContainerToolkitVersion).Default, Is.EqualTo(table.DefaultBranch.ContainerToolkitVersion));
        });
    }

    [TestCase("\"sha256\": \"834af9cd766d1fd86eca156db7dff34c3713fbbc7f5507a3269be2a72d2d1820\"", "\"sha256\": \"\"", "ubuntu 24.04: baseImage.sha256 must be the 64 lower-case hex digits")]
    [TestCase("\"fabricManagerVersion\": \"580.95.05\"", "\"fabricManagerVersion\": \"580.82.07\"", "driver branch 580: fabricManagerVersion '580.82.07' must equal driverVersion '580.95.05'")]
    [TestCase("\"driverVersion\": \"570.195.03\"", "\"driverVersion\": \"575.57.08\"", "driver branch 570: driverVersion '575.57.08' must be a full version of that branch")]
    [TestCase("\"pauseImage\": \"registry.k8s.io/pause:3.9\"", "\"pauseImage\": \"pause:3.9\"", "kubernetes v1.30: pauseImage must be registry.k8s.io/pause:<version>")]
    [TestCase("\"packageRepository\": \"https://pkgs.k8s.io/core:/stable:/v1.31/deb/\"", "\"packageRepository\": \"https://pkgs.k8s.io/core:/stable:/v1.30/deb/\"", "kubernetes v1.31: packageRepository must be https://pkgs.k8s.io/core:/stable:/v1.31/deb/")]
    [TestCase("\"cudaRepositoryDistro\": \"ubuntu2404\"", "\"cudaRepositoryDistro\": \"ubuntu2204\"", "ubuntu 24.04: cudaRepositoryDistro must be ubuntu2404")]
    [TestCase("\"codename\": \"noble\",\n      \"default\": false", "\"codename\": \"noble\",\n      \"default\": true", "ubuntu needs at least one entry and exactly one with \"default\": true (has 2 entries, 2 default)")]
    [TestCase("\"reviewed\": \"2026-12-02\"", "\"reviewed\": \"December\"", "reviewed must be the date the table was last checked")]
    public void A_broken_rule_is_one_error_naming_the_file_the_entry_and_the_fix(string from, string to, string expected)
    {
        var error = Assert.Throws<SupportMatrixException>(() => SupportMatrix.Parse(Broken(from, to), "supported-matrix.json"));
        Assert.That(error!.Message, Does.StartWith("supported-matrix.json: ").And.Contain(expected));
    }

    [Test]
    public void Not_json_is_an_error_naming_the_file()
    {
        var error = Assert.Throws<SupportMatrixException>(() => SupportMatrix.Parse("{ \"ubuntu\": [", "t.json"));
        Assert.That(error!.Message, Does.StartWith("t.json: not valid JSON"));
    }
}
