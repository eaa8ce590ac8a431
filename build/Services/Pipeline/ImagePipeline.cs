using System.Diagnostics;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Audit;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Packer;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Qemu;
using GpuImageBuilder.Build.Services.Vm;
using Newtonsoft.Json.Linq;

namespace GpuImageBuilder.Build.Services.Pipeline;

/// <summary>The plan for one image's Packer run, and the hash of everything that goes into it.</summary>
public sealed record PlannedBuild(PackerRun Run, string InputsHash, string? LayeredOn);

/// <summary>
/// The image steps, BuildQcow2 → ConvertRaw → Checksum, as plain code the Cake tasks call (and tests call without
/// Cake). Each step leaves a finished artifact or nothing: work happens in scratch folders and temporary files that
/// are renamed into place, and each artifact's stamp says what it was made from, so an unchanged input skips the work.
/// </summary>
public sealed class ImagePipeline(
    BuildParameters parameters,
    ImageCatalog catalog,
    AssetPaths assets,
    ArtifactPaths paths,
    ICommandRunner runner,
    PackerTool packer,
    IBuildLog log)
{
    public const string DefaultAcceleratorFirmware = AcceleratorProbe.DefaultFirmware;

    private readonly Dictionary<string, PlannedBuild> _plans = new(StringComparer.Ordinal);
    private AcceleratorChoice? _accelerator;
    private IReadOnlyDictionary<string, string>? _templateDefaults;

    public async Task<AcceleratorChoice> AcceleratorAsync()
    {
        if (_accelerator is null)
        {
            _accelerator = await new AcceleratorProbe(runner).ChooseCachedAsync(parameters.Vm.Accelerator, Path.Combine(paths.Root, ".cache", "accelerator"));
            log.Information($"QEMU accelerator: {_accelerator.Accelerator} ({_accelerator.Reason})");
        }

        return _accelerator;
    }

    /// <summary>
    /// What a build of <paramref name="image"/> would run. A child is layered on its parent's qcow2 when that qcow2
    /// is current (built in this run, or cached with the parent's current inputs); otherwise it builds from the base
    /// image and runs the shared steps itself.
    /// </summary>
    public PlannedBuild Plan(ImageDefinition image, string scratch = "")
    {
        if (_plans.TryGetValue(image.Name, out var planned) && scratch.Length == 0)
        {
            return planned;
        }

        string? layeredOn = null;
        string baseUrl;
        string baseChecksum;
        if (image.Parent is { } parentName && ParentQcow2IsCurrent(catalog[parentName]) is { } parentStamp)
        {
            layeredOn = parentName;
            baseUrl = paths.Qcow2(parentName);
            baseChecksum = "sha256:" + parentStamp.Sha256;
        }
        else if (parameters.BaseImage is { } custom)
        {
            baseUrl = File.Exists(custom.Location) ? Path.GetFullPath(custom.Location) : custom.Location;
            baseChecksum = custom.Checksum;
        }
        else
        {
            _templateDefaults ??= TemplateDefaults.Read(assets.Templates);
            baseUrl = _templateDefaults.GetValueOrDefault("base_image_url") ?? throw new InvalidOperationException("templates/variables.pkr.hcl has no default base_image_url");
            baseChecksum = _templateDefaults.GetValueOrDefault("base_image_checksum") ?? throw new InvalidOperationException("templates/variables.pkr.hcl has no default base_image_checksum");
        }

        var work = scratch.Length > 0 ? scratch : Path.Combine(paths.Work, "plan");
        var run = new PackerRun(
            image,
            baseUrl,
            baseChecksum,
            RunBaseScripts: layeredOn is null,
            OutputDirectory: Path.Combine(work, "packer"),
            VmName: image.Name + ".qcow2",
            SeedDirectory: Path.Combine(work, "seed"),
            SshPrivateKeyFile: Path.Combine(work, "seed", "id_ed25519"),
            Accelerator: _accelerator?.Accelerator ?? "tcg",
            SerialLog: Path.Combine(paths.ImageDirectory(image.Name), "logs", "build-serial.log"));
        planned = new PlannedBuild(run, ImageInputs.Hash(run, parameters, assets), layeredOn);
        if (scratch.Length == 0)
        {
            _plans[image.Name] = planned;
        }

        return planned;
    }

    private ArtifactStamp? ParentQcow2IsCurrent(ImageDefinition parent)
    {
        var stamp = ArtifactStamp.ReadValid(paths.Qcow2(parent.Name));
        return stamp is not null && stamp.InputsHash == Plan(parent).InputsHash ? stamp : null;
    }

    /// <summary>BuildQcow2 for one image: skipped when its qcow2 is current, unless --force.</summary>
    public async Task<bool> BuildQcow2Async(ImageDefinition image, CancellationToken cancellation)
    {
        var target = paths.Qcow2(image.Name);
        var plan = Plan(image);
        var current = ArtifactStamp.ReadValid(target);
        if (!parameters.Force && current is not null && current.InputsHash == plan.InputsHash)
        {
            log.Information($"{image.Name}: qcow2 is up to date (inputs {plan.InputsHash[..12]}, built in {current.Seconds:0} s); skipping Packer. --force rebuilds.");
            return false;
        }

        var why = parameters.Force ? "--force" : current is null ? "no current qcow2" : "inputs changed";
        var accelerator = await AcceleratorAsync();
        log.Information($"{image.Name}: building ({why}){(plan.LayeredOn is null ? " from the base image" : $", layered on {plan.LayeredOn}")} with {accelerator.Accelerator}, {VmCpus.Describe(VmCpus.For(accelerator.Accelerator, parameters.Vm.Cpus))}");

        return await new VmStallRetry(log).RunAsync(image.Name, "scratch folder", attempt => BuildQcow2AttemptAsync(image, plan, accelerator, attempt, cancellation));
    }

    /// <summary>One Packer run in a scratch folder of its own; a stalled run leaves its serial log for diagnosis.</summary>
    private async Task<bool> BuildQcow2AttemptAsync(ImageDefinition image, PlannedBuild plan, AcceleratorChoice accelerator, int attempt, CancellationToken cancellation)
    {
        var target = paths.Qcow2(image.Name);
        var scratch = Path.Combine(paths.Work, $"build-{image.Name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        var run = Plan(image, scratch).Run with { Accelerator = accelerator.Accelerator, Cpus = VmCpus.For(accelerator.Accelerator, parameters.Vm.Cpus) };
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(run.SerialLog!)!);
            File.Delete(run.SerialLog!);
            await new BuildSeed(runner).CreateAsync(run.SeedDirectory, assets.BuildUserData, assets.MetaData);
            var watch = Stopwatch.StartNew();
            var built = await new PackerBuilder(runner, packer).BuildAsync(
                run, parameters, assets, Path.Combine(paths.Root, ".cache", "packer"), log.Information, log.Verbose, cancellation);

            // Replace the old qcow2 only now that a complete one exists; the stamp goes last.
            Directory.CreateDirectory(paths.ImageDirectory(image.Name));
            ArtifactStamp.Delete(target);
            var sha = ImageHasher.Sha256(built, cancellation);
            File.Move(built, target, overwrite: true);
            ArtifactStamp.For(target, plan.InputsHash, sha, watch.Elapsed, plan.LayeredOn is null ? null : $"layered on {plan.LayeredOn}").Write(target);
            log.Information($"{image.Name}: qcow2 built in {watch.Elapsed:mm\\:ss} ({new FileInfo(target).Length / 1048576} MiB)");
            return true;
        }
        catch (VmStalledException)
        {
            KeepLog(run.SerialLog!, Path.Combine(Path.GetDirectoryName(run.SerialLog!)!, $"build-serial.attempt{attempt}-stalled.log"));
            throw;
        }
        finally
        {
            // A Packer that died (killed, crashed) leaves its QEMU behind; it runs from this build's scratch folder.
            var stragglers = ProcessReaper.KillMentioning(scratch);
            if (stragglers > 0)
            {
                log.Warning($"{image.Name}: stopped {stragglers} leftover process(es) of this build (QEMU outliving Packer)");
            }

            TryDelete(scratch);
        }
    }

    /// <summary>ConvertRaw for one image: skipped when the raw was made from the current qcow2 and still checks out.</summary>
    public async Task<RawDiskFacts> ConvertRawAsync(ImageDefinition image, CancellationToken cancellation)
    {
        var qcow2 = paths.Qcow2(image.Name);
        var raw = paths.Raw(image.Name);
        var qcowStamp = ArtifactStamp.ReadValid(qcow2)
            ?? throw new RawImageException($"{qcow2} is missing or not from a finished build: run BuildQcow2 (or --force)");
        var expected = parameters.Vm.DiskSizeBytes;
        var rawImage = new RawImage(runner);
        var watch = Stopwatch.StartNew();
        if (ArtifactStamp.ReadValid(raw) is { } rawStamp && rawStamp.InputsHash == qcowStamp.Sha256 && !parameters.Force)
        {
            var cached = RawImage.Inspect(raw, expected);
            log.Information($"{image.Name}: raw is up to date (made from qcow2 {qcowStamp.Sha256[..12]}); checks pass");
            Record(image, m => ManifestStore.SetStep(m, "ConvertRaw", watch.Elapsed, cached: true));
            return cached;
        }

        ArtifactStamp.Delete(raw);
        var facts = await rawImage.ConvertAsync(qcow2, raw, expected, cancellation);
        // The raw's stamp records the qcow2 it came from; its own SHA-256 is filled in by Checksum.
        ArtifactStamp.For(raw, qcowStamp.Sha256, string.Empty, watch.Elapsed).Write(raw);
        log.Information($"{image.Name}: raw {facts.VirtualSize / 1073741824.0:0.##} GiB virtual, {facts.AllocatedBytes / 1048576} MiB allocated; 55 AA, GPT, EFI system partition #{facts.EspPartition} ({watch.Elapsed.TotalSeconds:0.0} s)");
        Record(image, m => ManifestStore.SetStep(m, "ConvertRaw", watch.Elapsed, cached: false));
        return facts;
    }

    /// <summary>Checksum for the given images: SHA-256 of each raw, SHA256SUMS, and the manifest.</summary>
    public async Task ChecksumAsync(IReadOnlyList<ImageDefinition> images, CancellationToken cancellation)
    {
        var tools = await new ToolVersions(runner, packer).GetAsync();
        foreach (var image in images)
        {
            var raw = paths.Raw(image.Name);
            var stamp = ArtifactStamp.ReadValid(raw) ?? throw new RawImageException($"{raw} is missing or not from a finished conversion: run ConvertRaw");
            var watch = Stopwatch.StartNew();
            var cached = stamp.Sha256.Length == 64 && !parameters.Force;
            var sha = cached ? stamp.Sha256 : ImageHasher.Sha256(raw, cancellation);
            if (!cached)
            {
                (stamp with { Sha256 = sha }).Write(raw);
            }

            var facts = RawImage.Inspect(raw, parameters.Vm.DiskSizeBytes);
            var plan = Plan(image);
            var qcowStamp = ArtifactStamp.ReadValid(paths.Qcow2(image.Name));
            log.Information($"{image.Name}: sha256 {sha}{(cached ? " (cached)" : $" ({facts.VirtualSize / 1048576.0 / Math.Max(watch.Elapsed.TotalSeconds, 0.001):0} MiB/s)")}");
            Record(image, m =>
            {
                m["name"] = image.Name;
                m["registeredName"] = parameters.RegisteredName(image.Name);
                m["definition"] = Path.GetRelativePath(assets.Root, image.VarFile);
                m["layeredOn"] = plan.LayeredOn;
                m["inputsHash"] = plan.InputsHash;
                m["base"] = new JObject { ["url"] = plan.Run.BaseImageUrl, ["checksum"] = plan.Run.BaseImageChecksum };
                m["versions"] = new JObject
                {
                    ["ubuntu"] = parameters.UbuntuVersion,
                    ["kubernetes"] = parameters.KubernetesVersion,
                    ["nvidiaDriver"] = image.HasNvidiaDriver ? parameters.NvidiaDriverVersion : null,
                    ["nvidiaKernelModules"] = image.HasNvidiaDriver ? parameters.NvidiaKernelModules : null,
                    ["nvidiaContainerToolkit"] = image.HasNvidiaDriver ? parameters.NvidiaContainerToolkitVersion : null,
                };
                m["scripts"] = new JArray((plan.Run.RunBaseScripts ? image.BaseScripts : []).Concat(image.ImageScripts).Append("99-cleanup.sh"));
                m["tools"] = JObject.FromObject(tools);
                m["qcow2"] = qcowStamp is null ? null : new JObject { ["file"] = Path.GetFileName(paths.Qcow2(image.Name)), ["bytes"] = qcowStamp.Bytes, ["sha256"] = qcowStamp.Sha256 };
                m["raw"] = new JObject
                {
                    ["file"] = Path.GetFileName(raw),
                    ["virtualSize"] = facts.VirtualSize,
                    ["allocatedBytes"] = facts.AllocatedBytes,
                    ["sha256"] = sha,
                };
                if (qcowStamp is not null)
                {
                    var steps = m["steps"] as JObject ?? new JObject();
                    steps["BuildQcow2"] = new JObject { ["seconds"] = qcowStamp.Seconds, ["builtAt"] = qcowStamp.ModifiedUtc };
                    m["steps"] = steps;
                }

                ManifestStore.SetStep(m, "Checksum", watch.Elapsed, cached);
            });
        }

        WriteChecksums();
    }

    /// <summary>SHA256SUMS over every raw image with a current checksum, in sha256sum's format (run `sha256sum -c` in the output folder).</summary>
    private void WriteChecksums()
    {
        var lines = catalog.Images
            .Select(i => (Image: i.Name, Stamp: ArtifactStamp.ReadValid(paths.Raw(i.Name))))
            .Where(x => x.Stamp is { Sha256.Length: 64 })
            .Select(x => $"{x.Stamp!.Sha256}  {x.Image}/{Path.GetFileName(paths.Raw(x.Image))}");
        AtomicFile.WriteAllText(paths.Checksums, string.Join('\n', lines) + "\n");
    }

    /// <summary>What the audit of an image expects, derived from the steps that went into it (its parent's included).</summary>
    public AuditExpectations ExpectationsFor(ImageDefinition image)
    {
        var steps = image.BaseScripts.Concat(image.ImageScripts).ToHashSet(StringComparer.Ordinal);
        var pins = new Dictionary<string, string>(StringComparer.Ordinal);
        if (steps.Contains("03-kubernetes-tools.sh"))
        {
            foreach (var tool in new[] { "kubelet", "kubeadm", "kubectl" })
            {
                pins[tool] = parameters.KubernetesVersion.TrimStart('v') + "-";
            }
        }

        if (steps.Contains("04-nvidia-driver.sh"))
        {
            var branch = parameters.NvidiaDriverVersion.Split('.')[0];
            pins[parameters.NvidiaKernelModules == "open" ? $"nvidia-headless-{branch}-open" : $"nvidia-headless-{branch}"] = parameters.NvidiaDriverVersion + "-";
            pins[$"nvidia-utils-{branch}"] = parameters.NvidiaDriverVersion + "-";
            pins["nvidia-container-toolkit"] = parameters.NvidiaContainerToolkitVersion + "-";
        }

        return new AuditExpectations(steps.Contains("05-nvidia-firmware-config.sh"), pins, BuildSeed.DefaultUser);
    }

    /// <summary>AuditImage for one image: a read-only look inside the raw; every violation is reported.</summary>
    public async Task AuditAsync(ImageDefinition image, CancellationToken cancellation)
    {
        var raw = paths.Raw(image.Name);
        var stamp = ArtifactStamp.ReadValid(raw) is { Sha256.Length: 64 } s ? s : throw new RawImageException($"{raw} has no current checksum: run Checksum first");
        var manifest = ManifestStore.Read(paths.Manifest(image.Name));
        if (!parameters.Force && manifest["audit"] is JObject previous && previous.Value<bool>("passed") && previous.Value<string>("rawSha256") == stamp.Sha256)
        {
            log.Information($"{image.Name}: audit already passed for this raw ({stamp.Sha256[..12]}); skipping. --force audits again.");
            return;
        }

        var accelerator = await AcceleratorAsync();
        var expectations = ExpectationsFor(image);
        var work = Path.Combine(paths.Work, $"audit-{image.Name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var watch = Stopwatch.StartNew();
            var auditor = new ImageAuditor(runner) { OnLine = log.Verbose, StallTimeout = parameters.Vm.StallTimeout };
            var report = await new VmStallRetry(log).RunAsync(image.Name, "appliance", async attempt =>
            {
                var attemptWork = Path.Combine(work, $"attempt{attempt}");
                try
                {
                    return await auditor.AuditAsync(raw, expectations, attemptWork, forceTcg: accelerator.Accelerator == "tcg", cancellation);
                }
                finally
                {
                    TryDelete(attemptWork);
                }
            });
            Record(image, m =>
            {
                m["packages"] = new JArray(report.Packages.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => new JObject { ["name"] = p.Name, ["version"] = p.Version, ["held"] = p.Held }));
                m["audit"] = new JObject
                {
                    ["passed"] = report.Passed,
                    ["violations"] = new JArray(report.Violations),
                    ["firmwareOptionExpected"] = expectations.FirmwareOptionExpected,
                    ["pinnedPackages"] = JObject.FromObject(expectations.PinnedPackages),
                    ["rawSha256"] = stamp.Sha256,
                };
                ManifestStore.SetStep(m, "AuditImage", watch.Elapsed, cached: false);
            });
            foreach (var violation in report.Violations)
            {
                log.Warning($"  {image.Name}: {violation}");
            }

            if (!report.Passed)
            {
                throw new ImageAuditException($"{image.Name}: the audit found {report.Violations.Count} violation{(report.Violations.Count == 1 ? string.Empty : "s")} (listed above, and in {paths.Manifest(image.Name)})");
            }

            log.Information($"{image.Name}: audit passed ({report.Packages.Count} packages, {expectations.PinnedPackages.Count} pins checked, firmware option {(expectations.FirmwareOptionExpected ? "present" : "absent")} as expected) in {watch.Elapsed.TotalSeconds:0} s");
        }
        finally
        {
            TryDelete(work);
        }
    }

    /// <summary>SmokeBoot for one image: boots the raw like the region does and waits for the seed's marker.</summary>
    public async Task SmokeBootAsync(ImageDefinition image, CancellationToken cancellation)
    {
        var raw = paths.Raw(image.Name);
        var stamp = ArtifactStamp.ReadValid(raw) is { Sha256.Length: 64 } s ? s : throw new RawImageException($"{raw} has no current checksum: run Checksum first");
        var manifest = ManifestStore.Read(paths.Manifest(image.Name));
        if (!parameters.Force && !parameters.KeepVm && manifest["smokeBoot"] is JObject previous
            && previous.Value<bool>("passed") && previous.Value<string>("rawSha256") == stamp.Sha256)
        {
            log.Information($"{image.Name}: smoke boot already passed for this raw ({stamp.Sha256[..12]}); skipping. --force boots again.");
            return;
        }

        var accelerator = await AcceleratorAsync();
        var smoke = new SmokeBoot(runner, log) { StallTimeout = parameters.Vm.StallTimeout, Cpus = VmCpus.For(accelerator.Accelerator, parameters.Vm.Cpus) };
        var work = Path.Combine(paths.Work, $"smoke-{image.Name}-{Guid.NewGuid():N}");
        if (parameters.KeepVm)
        {
            var vm = await smoke.StartKeptAsync(raw, assets.SmokeUserData, work, accelerator.Accelerator, AcceleratorProbe.DefaultFirmware);
            // Warnings, so that the way in shows at every verbosity: a VM is left running on purpose.
            log.Warning($"{image.Name}: KEEP_VM=1: the VM is up (pid {vm.ProcessId}, {accelerator.Accelerator}); it runs on an overlay in {work}, the raw is untouched.");
            log.Warning($"  ssh -i {vm.PrivateKey} -p {vm.SshPort} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null smoke@127.0.0.1");
            log.Warning($"  (SSH answers once cloud-init has run, about a minute under TCG; console: tail -f {vm.SerialLog}. The smoke marker is not asserted here: the key added for you counts as a leftover authorized_keys.)");
            log.Warning($"  stop it: kill {vm.ProcessId} && rm -rf {work}");
            return;
        }

        log.Information($"{image.Name}: smoke boot ({accelerator.Accelerator}, {VmCpus.Describe(smoke.Cpus)}, OVMF, q35, virtio-scsi), waiting up to {parameters.SmokeTimeout:g} for {SmokeBoot.OkMarker} (stalled after {VmStalledException.Describe(parameters.Vm.StallTimeout)} without serial output)");
        var logs = Path.Combine(paths.ImageDirectory(image.Name), "logs");
        var kept = Path.Combine(logs, "smoke-serial.log");
        var result = await new VmStallRetry(log).RunAsync(image.Name, "overlay", async attempt =>
        {
            var attemptWork = attempt == 1 ? work : Path.Combine(paths.Work, $"smoke-{image.Name}-{Guid.NewGuid():N}");
            try
            {
                return await smoke.RunAsync(raw, assets.SmokeUserData, attemptWork, accelerator.Accelerator, AcceleratorProbe.DefaultFirmware, parameters.SmokeTimeout, cancellation);
            }
            catch (VmStalledException)
            {
                // Keep what the stalled guest printed: it is the evidence of where it stopped.
                KeepLog(Path.Combine(attemptWork, "serial.log"), Path.Combine(logs, $"smoke-serial.attempt{attempt}-stalled.log"));
                throw;
            }
            finally
            {
                KeepLog(Path.Combine(attemptWork, "serial.log"), kept);
                TryDelete(attemptWork);
            }
        });

        Record(image, m =>
        {
            m["smokeBoot"] = new JObject
            {
                ["passed"] = result.Passed,
                ["marker"] = result.Marker,
                ["accelerator"] = accelerator.Accelerator,
                ["cpus"] = smoke.Cpus,
                ["rawSha256"] = stamp.Sha256,
            };
            ManifestStore.SetStep(m, "SmokeBoot", result.Elapsed, cached: false);
        });
        if (!result.Passed)
        {
            throw new SmokeBootException($"{image.Name}: smoke boot failed: {result.Marker} (serial log: {kept})");
        }

        log.Information($"{image.Name}: smoke boot passed in {result.Elapsed.TotalSeconds:0} s: {result.Marker}");
    }

    /// <summary>Copies a VM's serial log out of its scratch folder before the folder goes.</summary>
    private static void KeepLog(string serial, string kept)
    {
        if (File.Exists(serial))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(kept)!);
            File.Copy(serial, kept, overwrite: true);
        }
    }

    public void Record(ImageDefinition image, Action<JObject> change) =>
        ManifestStore.Update(paths.Manifest(image.Name), change);

    public static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
