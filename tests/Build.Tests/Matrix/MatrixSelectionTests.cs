using GpuImageBuilder.Build.Matrix;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tests.Matrix;

/// <summary>The axis parameters pick a combination; what is outside the table is one clear problem.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class MatrixSelectionTests
{
    private static BuildParameters Parameters(params (string Argument, string Value)[] values)
    {
        var given = values.ToDictionary(v => v.Argument, v => v.Value, StringComparer.Ordinal);
        var sources = new ParameterSources(name => given.GetValueOrDefault(name), _ => null, _ => null, _ => null);
        var axes = new Dictionary<string, ImageAxes>
        {
            ["gpu-ready"] = new(Driver: false, Kubernetes: true, Ubuntu: true),
            ["nvidia-firmware1"] = new(Driver: true, Kubernetes: true, Ubuntu: true),
        };
        return BuildParameters.Create(sources, "Validate", ["gpu-ready", "nvidia-firmware1"], new DateTime(2026, 12, 2, 0, 0, 0, DateTimeKind.Utc), axes);
    }

    [Test]
    public void Nothing_given_is_the_default_combination_with_the_old_names()
    {
        var p = Parameters();
        Assert.Multiple(() =>
        {
            Assert.That(p.Check(ParameterGroup.Images), Is.Empty);
            Assert.That(p.Combination.IsDefault, Is.True);
            Assert.That((p.UbuntuVersion, p.UbuntuCodename, p.NvidiaDriverVersion, p.KubernetesVersion, p.NvidiaContainerToolkitVersion),
                Is.EqualTo(("22.04", "jammy", "565.57.01", "v1.30.14", "1.17.8")));
            Assert.That(p.RegisteredName("gpu-ready"), Is.EqualTo("gpu-ready-20261202"));
            Assert.That(p.RegisteredName("nvidia-firmware1"), Is.EqualTo("nvidia-firmware1-20261202"));
        });
    }

    [Test]
    public void Two_flags_make_noble_with_580()
    {
        var p = Parameters((Arg.UbuntuVersion, "24.04"), (Arg.NvidiaDriverVersion, "580.95.05"));
        Assert.Multiple(() =>
        {
            Assert.That(p.Check(ParameterGroup.Images), Is.Empty);
            Assert.That(p.UbuntuCodename, Is.EqualTo("noble"));
            Assert.That(p.Combination.Ubuntu.BaseImage.Url, Does.Contain("/noble/"));
            Assert.That(p.Combination.Ubuntu.CudaRepositoryDistro, Is.EqualTo("ubuntu2404"));
            Assert.That(p.Combination.Branch.Branch, Is.EqualTo("580"));
            Assert.That(p.NvidiaContainerToolkitVersion, Is.EqualTo("1.18.0"), "the branch's matched toolkit");
            Assert.That(p.RegisteredName("nvidia-firmware1"), Is.EqualTo("nvidia-580-firmware1-noble-20261202"));
            Assert.That(p.RegisteredName("gpu-ready"), Is.EqualTo("gpu-ready-noble-20261202"), "gpu-ready carries no driver: no branch in its name");
        });
    }

    [Test]
    public void A_full_version_of_a_supported_branch_other_than_the_tables_is_taken_as_given()
    {
        var p = Parameters((Arg.NvidiaDriverVersion, "580.82.07"), (Arg.KubernetesVersion, "v1.33.2"));
        Assert.That(p.Check(ParameterGroup.Images), Is.Empty);
        Assert.That((p.NvidiaDriverVersion, p.Combination.Branch.Branch, p.KubernetesVersion, p.Combination.Kubernetes.PauseImage),
            Is.EqualTo(("580.82.07", "580", "v1.33.2", "registry.k8s.io/pause:3.10")));
        Assert.That(p.RegisteredName("nvidia-firmware1"), Is.EqualTo("nvidia-580-firmware1-k8s1.33-20261202"));
    }

    [Test]
    public void An_explicit_toolkit_version_wins_over_the_branchs()
    {
        var p = Parameters((Arg.NvidiaDriverVersion, "580.95.05"), (Arg.NvidiaContainerToolkitVersion, "1.17.8"));
        Assert.That(p.NvidiaContainerToolkitVersion, Is.EqualTo("1.17.8"));
    }

    [Test]
    public void Unsupported_values_are_each_one_line_listing_what_is_supported()
    {
        var problems = Parameters((Arg.UbuntuVersion, "20.04"), (Arg.NvidiaDriverVersion, "550.127.05"), (Arg.KubernetesVersion, "v1.29.7")).Check(ParameterGroup.None);
        Assert.That(problems, Is.EquivalentTo(new[]
        {
            "--ubuntu-version (UBUNTU_VERSION) = '20.04': not a supported Ubuntu release; supported: 22.04 (jammy, default), 24.04 (noble) (build/Matrix/supported-matrix.json)",
            "--nvidia-driver-version (NVIDIA_DRIVER_VERSION) = '550.127.05': driver branch 550 is not supported; supported branches: 565 (feature branch, ended, default), 570 (production branch), 580 (long-term branch) (build/Matrix/supported-matrix.json)",
            "--kubernetes-version (KUBERNETES_VERSION) = 'v1.29.7': Kubernetes v1.29 is not supported; supported minors: v1.30 (default, pause 3.9), v1.31 (pause 3.10), v1.32 (pause 3.10), v1.33 (pause 3.10) (build/Matrix/supported-matrix.json)",
        }));
    }

    [Test]
    public void A_codename_may_only_repeat_the_releases()
    {
        Assert.That(Parameters((Arg.UbuntuVersion, "24.04"), (Arg.UbuntuCodename, "noble")).Check(ParameterGroup.None), Is.Empty);
        Assert.That(Parameters((Arg.UbuntuVersion, "24.04"), (Arg.UbuntuCodename, "jammy")).Check(ParameterGroup.None), Is.EqualTo(new[]
        {
            "--ubuntu-codename (UBUNTU_CODENAME) = 'jammy': Ubuntu 24.04 is noble; drop --ubuntu-codename (--ubuntu-version alone picks the codename)",
        }));
    }

    [Test]
    public void A_malformed_version_is_reported_by_its_rule_alone()
    {
        var problems = Parameters((Arg.NvidiaDriverVersion, "580")).Check(ParameterGroup.None);
        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0], Does.Contain("not a full driver version like 565.57.01"));
    }

    [Test]
    public void Another_combination_changes_only_the_axis_values()
    {
        var p = Parameters((Arg.GpuModels, "B200"));
        var noble580 = SupportMatrix.Current.Combinations().Single(c => c.Id == "ubuntu24.04-nvidia580-k8s1.32");
        var other = p.WithCombination(noble580);
        Assert.That((other.UbuntuVersion, other.NvidiaDriverVersion, other.KubernetesVersion, other.GpuModels.Single()), Is.EqualTo(("24.04", "580.95.05", "v1.32.7", "B200")));
        Assert.That(p.Combination.IsDefault, Is.True, "the original is unchanged");
    }
}
