using System.Runtime.InteropServices;

namespace GpuImageBuilder.Build.Services.Images;

/// <summary>The data extents of a sparse file, from lseek(SEEK_DATA/SEEK_HOLE): holes read as zeros without IO.</summary>
public static partial class SparseFile
{
    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const int Enxio = 6;

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(SafeHandle fd, long offset, int whence);

    /// <summary>(start, end) of each data extent, in order. A filesystem without SEEK_DATA yields one extent: all of it.</summary>
    public static IEnumerable<(long Start, long End)> DataExtents(SafeHandle handle, long length)
    {
        long offset = 0;
        while (offset < length)
        {
            var start = LSeek(handle, offset, SeekData);
            if (start < 0)
            {
                if (Marshal.GetLastPInvokeError() == Enxio)
                {
                    yield break; // only a hole remains
                }

                yield return (offset, length); // no SEEK_DATA support: treat the rest as data
                yield break;
            }

            var end = LSeek(handle, start, SeekHole);
            end = end < 0 ? length : Math.Min(end, length);
            yield return (start, end);
            offset = end;
        }
    }

    public static long AllocatedBytes(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        return DataExtents(handle, RandomAccess.GetLength(handle)).Sum(e => e.End - e.Start);
    }
}
