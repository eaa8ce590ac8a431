using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Services.GpuValidation;

/// <summary>Where the lock file and the workload manifest go, and the scratch folder for the login's auth file.</summary>
public sealed record ValidationPublishOptions(string LockFile, string WorkloadManifest, string WorkDirectory);

/// <summary>
/// Pushes the built validation images, takes each digest from the registry's answer (podman push --digestfile), and
/// only when every push succeeded writes images.lock.json and workloads.json (each atomically), so a failed publish
/// leaves the old pair in place. The password goes to the engine on stdin only, into an auth file in a private
/// temporary folder that is removed afterwards; it is never an argument, never logged.
/// </summary>
public sealed class ValidationImagePublisher(IBuildLog log)
{
    public async Task<ValidationImageLock> PublishAsync(
        ContainerEngine engine,
        BuiltValidationImages built,
        RegistrySettings registry,
        RegistryCredentials? credentials,
        ValidationPublishOptions options,
        CancellationToken cancellation)
    {
        Directory.CreateDirectory(options.WorkDirectory);
        // 0700 from the start: the auth file holds the credential in base64; nobody else may read it.
        var scratchPath = Path.Combine(Path.GetTempPath(), "gpu-image-registry-auth-" + Guid.NewGuid().ToString("N"));
        var scratch = OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(scratchPath)
            : Directory.CreateDirectory(scratchPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            string? authFile = null;
            if (credentials is not null)
            {
                authFile = Path.Combine(scratch.FullName, "auth.json");
                await engine.LoginAsync(registry.Address.Host, credentials.Username, credentials.Password, registry.TlsVerify, authFile, cancellation);
                log.Information($"Logged in to {registry.Address.Host} as {credentials.Username}");
            }

            var locked = new List<LockedImage>();
            foreach (var image in built.Images)
            {
                var repository = registry.Address.Repository(image.Name);
                // The tag is only a handle for the push; everything downstream uses the digest.
                var target = $"{repository}:{image.ImageId["sha256:".Length..][..16]}";
                var digest = await engine.PushAsync(image.Tag, target, registry.TlsVerify, authFile, scratch.FullName, cancellation);
                log.Information($"Pushed {image.Name}: {repository}@{digest}");
                locked.Add(new LockedImage(image.Name, repository, digest, new SortedDictionary<string, string>(image.Inputs.ToDictionary(), StringComparer.Ordinal)));
            }

            var lockFile = new ValidationImageLock(ValidationImageLock.CurrentSchemaVersion, registry.Address.Host, locked);
            var manifest = ManifestFor(lockFile, built);
            ValidationImageFiles.WriteLock(options.LockFile, lockFile);
            ValidationImageFiles.WriteManifest(options.WorkloadManifest, manifest);
            log.Information($"Wrote {options.LockFile} and {options.WorkloadManifest}");
            return lockFile;
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>The workloads, by digest: smoke-pass must pass, smoke-fail must fail, cuda-basic must pass on a GPU.</summary>
    public static WorkloadManifest ManifestFor(ValidationImageLock lockFile, BuiltValidationImages built) =>
        new(
            WorkloadManifest.CurrentSchemaVersion,
            built.Images.Select(image => new Workload(
                image.Name,
                lockFile.Get(image.Name).Reference,
                image.Command,
                image.Name == ValidationImages.SmokeFail ? WorkloadExpectation.Fail : WorkloadExpectation.Pass,
                image.Name == ValidationImages.CudaBasic ? [Workload.GpuRequirement] : [])).ToList());
}
