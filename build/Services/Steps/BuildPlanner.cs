using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Packer;

namespace GpuImageBuilder.Build.Services.Steps;

/// <summary>
/// The plan for one image's Packer run and the hash of everything that goes into it. <see cref="Run"/>'s working
/// paths are placeholders (they do not enter the hash); <see cref="In"/> places the run in a real scratch folder.
/// </summary>
public sealed record PlannedBuild(PackerRun Run, string InputsHash, string? LayeredOn)
{
    public PackerRun In(string scratch, string accelerator) => Run with
    {
        OutputDirectory = Path.Combine(scratch, "packer"),
        SeedDirectory = Path.Combine(scratch, "seed"),
        SshPrivateKeyFile = Path.Combine(scratch, "seed", "id_ed25519"),
        Accelerator = accelerator,
    };

    /// <summary>The scripts this run executes, in order (a layered child skips the shared ones its parent ran).</summary>
    public IReadOnlyList<string> Scripts =>
        [.. (Run.RunBaseScripts ? Run.Image.BaseScripts : []).Concat(Run.Image.ImageScripts), "99-cleanup.sh"];
}

/// <summary>
/// Decides what a build of each image would run: a child is layered on its parent's qcow2 when that qcow2 is current
/// (built in this run, or cached with the parent's current inputs); otherwise it builds from the base image and runs
/// the shared steps itself. Plans are made once per image and run.
/// </summary>
public sealed class BuildPlanner(BuildParameters parameters, ImageCatalog catalog, AssetPaths assets, ArtifactPaths paths)
{
    private readonly Dictionary<string, PlannedBuild> _plans = new(StringComparer.Ordinal);

    public PlannedBuild Plan(ImageDefinition image)
    {
        if (_plans.TryGetValue(image.Name, out var planned))
        {
            return planned;
        }

        var (baseUrl, baseChecksum, layeredOn) = BaseOf(image);
        var placeholder = Path.Combine(paths.Work, "plan");
        var run = new PackerRun(
            image,
            baseUrl,
            baseChecksum,
            RunBaseScripts: layeredOn is null,
            OutputDirectory: Path.Combine(placeholder, "packer"),
            VmName: image.Name + ".qcow2",
            SeedDirectory: Path.Combine(placeholder, "seed"),
            SshPrivateKeyFile: Path.Combine(placeholder, "seed", "id_ed25519"),
            Accelerator: "tcg",
            SerialLog: new ImageWorkspace(image, paths).BuildSerialLog);
        return _plans[image.Name] = new PlannedBuild(run, ImageInputs.Hash(run, parameters, assets), layeredOn);
    }

    private (string Url, string Checksum, string? LayeredOn) BaseOf(ImageDefinition image)
    {
        if (image.Parent is { } parentName && ParentQcow2IsCurrent(catalog[parentName]) is { } parentStamp)
        {
            return (paths.Qcow2(parentName), "sha256:" + parentStamp.Sha256, parentName);
        }

        if (parameters.BaseImage is { } custom)
        {
            return (File.Exists(custom.Location) ? Path.GetFullPath(custom.Location) : custom.Location, custom.Checksum, null);
        }

        // The Ubuntu release's pinned cloud image from the matrix (for the default release, the same pin as the
        // template's own default: Validate checks that they agree).
        var pin = parameters.Combination.Ubuntu.BaseImage;
        return (pin.Url, pin.PackerChecksum, null);
    }

    private ArtifactStamp? ParentQcow2IsCurrent(ImageDefinition parent)
    {
        var stamp = ArtifactStamp.ReadValid(paths.Qcow2(parent.Name));
        return stamp is not null && stamp.InputsHash == Plan(parent).InputsHash ? stamp : null;
    }
}
