using System.Globalization;

namespace GpuImageBuilder.Build.Services.Images;

/// <summary>Not enough free space for what the build is about to write.</summary>
public sealed class DiskSpaceException(string message) : Exception(message);

/// <summary>
/// Free-space check before image work starts: a build that runs out of space fails after many minutes with a
/// half-written qcow2 and an error from deep inside Packer or qemu-img; this one fails in a second and says how much.
/// </summary>
public static class DiskSpace
{
    /// <summary>
    /// What building <paramref name="images"/> images of <paramref name="diskSizeBytes"/> may take: per image a qcow2
    /// and a sparse raw, each at most the virtual disk (the fixture pipeline, 2 images at 3G, left ~11 GB in output/).
    /// </summary>
    public static long NeededForImages(int images, long diskSizeBytes) => images * 2L * diskSizeBytes;

    /// <summary>Bytes free to an unprivileged writer on the filesystem holding <paramref name="path"/> (or its nearest existing parent).</summary>
    public static long FreeBytes(string path)
    {
        var existing = Path.GetFullPath(path);
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        return new DriveInfo(existing).AvailableFreeSpace;
    }

    /// <summary>The problem, or null when <paramref name="path"/> has at least <paramref name="neededBytes"/> free.</summary>
    public static string? Shortfall(string path, long neededBytes, long freeBytes, string what) =>
        freeBytes >= neededBytes
            ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"not enough disk space in {path}: {Gib(freeBytes)} free, {what} needs up to {Gib(neededBytes)}; free some space (an old output/ci or output/<image> is the usual culprit) or point --output-dir at a larger disk");

    /// <summary>Throws <see cref="DiskSpaceException"/> unless the output directory can hold the images about to be built.</summary>
    public static void RequireForImages(string outputDirectory, int images, long diskSizeBytes)
    {
        var problem = Shortfall(outputDirectory, NeededForImages(images, diskSizeBytes), FreeBytes(outputDirectory),
            string.Create(CultureInfo.InvariantCulture, $"building {images} image{(images == 1 ? string.Empty : "s")} of {Gib(diskSizeBytes)} (a qcow2 and a raw each)"));
        if (problem is not null)
        {
            throw new DiskSpaceException(problem);
        }
    }

    private static string Gib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.#} GiB");
}
