using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Services.Images;

/// <summary>A NoCloud seed folder for one build: user-data, meta-data and the ephemeral key pair.</summary>
public sealed record SeedFolder(string Directory, string PrivateKeyFile, string UserName);

/// <summary>
/// Build-time access is ephemeral: a fresh ed25519 key pair per build, handed to the VM through the NoCloud seed
/// (cloud-init/build-user-data.yaml rendered with the public key). No password exists anywhere.
/// </summary>
public sealed class BuildSeed(ICommandRunner runner)
{
    public const string DefaultUser = "packer";

    public async Task<SeedFolder> CreateAsync(string directory, string userDataTemplate, string metaDataFile, string user = DefaultUser)
    {
        Directory.CreateDirectory(directory);
        var key = Path.Combine(directory, "id_ed25519");
        File.Delete(key);
        File.Delete(key + ".pub");
        var keygen = await runner.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-C", $"gpu-image-build-{Guid.NewGuid():N}", "-f", key], new CommandOptions { Timeout = TimeSpan.FromSeconds(30) });
        if (!keygen.Succeeded)
        {
            throw new InvalidOperationException($"ssh-keygen failed: {keygen.OutputLines.FirstOrDefault()}");
        }

        var publicKey = (await File.ReadAllTextAsync(key + ".pub")).Trim();
        var userData = Render(await File.ReadAllTextAsync(userDataTemplate), user, publicKey);
        await File.WriteAllTextAsync(Path.Combine(directory, "user-data"), userData);
        File.Copy(metaDataFile, Path.Combine(directory, "meta-data"), overwrite: true);
        return new SeedFolder(directory, key, user);
    }

    public static string Render(string template, string user, string publicKey)
    {
        var text = template.Replace("${BUILD_USER}", user, StringComparison.Ordinal).Replace("${SSH_PUBLIC_KEY}", publicKey, StringComparison.Ordinal);
        if (text.Contains("${", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("cloud-init/build-user-data.yaml has a placeholder other than ${BUILD_USER} and ${SSH_PUBLIC_KEY}");
        }

        return text;
    }
}
