using GpuImageBuilder.Build.Services.Images;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>One part of a multipart upload: 1-based number, where it lies in the raw, and whether it holds any data.</summary>
/// <param name="HasData">False when no data extent of the sparse raw touches it: it is all zeros without reading it.</param>
public sealed record PlannedPart(int Number, long Offset, long Length, bool HasData)
{
    public long End => Offset + Length;
}

/// <summary>
/// How a raw is cut into parts. S3 allows at most <see cref="MaxParts"/> parts, so a part size too small for the file
/// is doubled until it fits (<see cref="PartSizeGrown"/>: said so in the log).
/// </summary>
public sealed record PartPlan(long Size, long AllocatedBytes, long PartSize, bool PartSizeGrown, IReadOnlyList<PlannedPart> Parts)
{
    public const int MaxParts = 10_000;

    /// <summary>S3's smallest part (all but the last).</summary>
    public const long MinPartSize = 5L * 1024 * 1024;

    /// <summary>A file no larger than one part goes in a single PutObject.</summary>
    public bool SinglePut => Parts.Count <= 1;

    public int DataParts => Parts.Count(p => p.HasData);

    public int HoleParts => Parts.Count - DataParts;

    /// <summary>Cuts a file of <paramref name="size"/> bytes whose data lies in <paramref name="extents"/> (sorted, from SEEK_DATA/SEEK_HOLE).</summary>
    public static PartPlan For(long size, IReadOnlyList<(long Start, long End)> extents, long requestedPartSize)
    {
        var partSize = Math.Max(requestedPartSize, MinPartSize);
        var grown = false;
        while (Count(size, partSize) > MaxParts)
        {
            partSize *= 2;
            grown = true;
        }

        var parts = new List<PlannedPart>();
        var extent = 0;
        for (long offset = 0, number = 1; offset < size || (size == 0 && number == 1); offset += partSize, number++)
        {
            var length = Math.Min(partSize, size - offset);
            // Extents are sorted: skip those that end before this part, then see if the next one starts inside it.
            while (extent < extents.Count && extents[extent].End <= offset)
            {
                extent++;
            }

            var hasData = extent < extents.Count && extents[extent].Start < offset + length;
            parts.Add(new PlannedPart((int)number, offset, length, hasData));
            if (size == 0)
            {
                break;
            }
        }

        return new PartPlan(size, extents.Sum(e => e.End - e.Start), partSize, grown, parts);
    }

    /// <summary>The plan of a file on disk, its data extents read with lseek.</summary>
    public static PartPlan ForFile(string path, long requestedPartSize)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var size = RandomAccess.GetLength(handle);
        return For(size, SparseFile.DataExtents(handle, size).ToList(), requestedPartSize);
    }

    private static long Count(long size, long partSize) => (size + partSize - 1) / partSize;
}
