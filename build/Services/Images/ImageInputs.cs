using System.Security.Cryptography;
using System.Text;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Packer;

namespace GpuImageBuilder.Build.Services.Images;

/// <summary>
/// Everything that goes into an image, hashed: the templates, the image definition, every script it runs (and the
/// cleanup), the cloud-init files, the Packer variables that shape the disk, and the base image's checksum (for a
/// layered image, the parent's qcow2 checksum). Same hash, same image: BuildQcow2 may skip the build.
/// </summary>
public static class ImageInputs
{
    /// <summary>Variables that change where or how fast the build runs, not what it produces.</summary>
    private static readonly HashSet<string> Irrelevant = new(StringComparer.Ordinal)
    {
        "output_directory", "vm_name", "seed_dir", "ssh_private_key_file", "serial_log", "accelerator", "scripts_dir", "cloud_init_config",
        "cpus",
    };

    public static string Hash(PackerRun run, BuildParameters parameters, AssetPaths assets)
    {
        var lines = new List<string> { "gpu-image-inputs/v1" };
        void AddFile(string label, string path) =>
            lines.Add($"{label} {(File.Exists(path) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) : "missing")}");

        foreach (var template in Directory.GetFiles(assets.Templates, "*.pkr.hcl").Order(StringComparer.Ordinal))
        {
            AddFile("template " + Path.GetFileName(template), template);
        }

        AddFile("definition", run.Image.VarFile);
        var scripts = (run.RunBaseScripts ? run.Image.BaseScripts : []).Concat(run.Image.ImageScripts).Append(Path.GetFileName(assets.CleanupScript));
        foreach (var script in scripts)
        {
            AddFile("script " + script, Path.Combine(assets.Scripts, script));
        }

        AddFile("cloud-init build-user-data", assets.BuildUserData);
        AddFile("cloud-init meta-data", assets.MetaData);
        AddFile("cloud-init first-boot", assets.FirstBootConfig);
        foreach (var (key, value) in PackerVariables.Values(run, parameters, assets).Where(v => !Irrelevant.Contains(v.Key)))
        {
            // The base image location may move (mirror, cache); its checksum is what identifies it. The signing key
            // is a secret and never read: its certificate (public) identifies the pair, by content, not by path.
            lines.Add(key switch
            {
                "base_image_url" => "base_image_url (by checksum)",
                // Only 04 signs: an image without it (gpu-ready) is the same image signed or not.
                "module_signing_key" or "module_signing_cert" when !run.Image.Features.NvidiaDriver => $"{key} (not used)",
                "module_signing_key" => $"module_signing_key ({(value.Length == 0 ? "none" : "by certificate")})",
                "module_signing_cert" when value.Length > 0 => $"module_signing_cert sha256 {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(value)))}",
                _ => $"var {key}={value}",
            });
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', lines))));
    }
}
