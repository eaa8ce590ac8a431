using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Packer;
using GpuImageBuilder.Build.Tests.Infrastructure;
using GpuImageBuilder.Build.Tests.Steps;

namespace GpuImageBuilder.Build.Tests.Parameters;

/// <summary>--module-signing-key/--module-signing-cert reach Packer as paths only, and the inputs hash by certificate.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ModuleSigningVariablesTests
{
    private static PackerRun Run() =>
        new(StepFixtures.Catalog()["nvidia-firmware1"], "https://example/base.img", "sha256:" + new string('a', 64), false, "out", "vm", "seed", "key", "tcg", null);

    private static Dictionary<string, string> Values(BuildParameters parameters) =>
        PackerVariables.Values(Run(), parameters, new AssetPaths(RepoPaths.Root)).ToDictionary(v => v.Key, v => v.Value);

    [Test]
    public void Unset_signing_passes_empty_paths_so_the_template_copies_nothing()
    {
        var values = Values(StepFixtures.Parameters());
        Assert.That((values["module_signing_key"], values["module_signing_cert"]), Is.EqualTo((string.Empty, string.Empty)));
    }

    [Test]
    public void Set_signing_passes_the_full_paths_and_never_the_keys_content()
    {
        using var dir = new TempDir();
        var key = dir.File("signing.key");
        var cert = dir.File("signing.crt");
        File.WriteAllText(key, "-----BEGIN PRIVATE KEY-----\nQz9SECRETx\n-----END PRIVATE KEY-----\n");
        File.WriteAllText(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        var parameters = StepFixtures.Parameters((Arg.ModuleSigningKey, key), (Arg.ModuleSigningCert, cert));
        var values = Values(parameters);
        Assert.That((values["module_signing_key"], values["module_signing_cert"]), Is.EqualTo((Path.GetFullPath(key), Path.GetFullPath(cert))));
        Assert.That(string.Join('\n', PackerVariables.Arguments(Run(), parameters, new AssetPaths(RepoPaths.Root))), Does.Not.Contain("Qz9SECRETx"));
    }

    [Test]
    public void The_inputs_hash_follows_the_certificate_not_its_path()
    {
        using var dir = new TempDir();
        var key = dir.File("signing.key");
        File.WriteAllText(key, "key\n");
        string HashWith(string certText, string name)
        {
            var cert = dir.File(name);
            File.WriteAllText(cert, certText);
            return ImageInputs.Hash(Run(), StepFixtures.Parameters((Arg.ModuleSigningKey, key), (Arg.ModuleSigningCert, cert)), new AssetPaths(RepoPaths.Root));
        }

        var unsigned = ImageInputs.Hash(Run(), StepFixtures.Parameters(), new AssetPaths(RepoPaths.Root));
        var first = HashWith("cert one\n", "a.crt");
        Assert.That(first, Is.Not.EqualTo(unsigned), "signed modules are another image");
        Assert.That(HashWith("cert one\n", "b.crt"), Is.EqualTo(first), "the same certificate elsewhere is the same image");
        Assert.That(HashWith("cert two\n", "c.crt"), Is.Not.EqualTo(first), "another key pair is another image");

        var gpuReady = Run() with { Image = StepFixtures.Catalog()["gpu-ready"], RunBaseScripts = true };
        Assert.That(
            ImageInputs.Hash(gpuReady, StepFixtures.Parameters((Arg.ModuleSigningKey, key), (Arg.ModuleSigningCert, dir.File("c.crt"))), new AssetPaths(RepoPaths.Root)),
            Is.EqualTo(ImageInputs.Hash(gpuReady, StepFixtures.Parameters(), new AssetPaths(RepoPaths.Root))),
            "gpu-ready does not run 04: signing does not change it");
    }
}
