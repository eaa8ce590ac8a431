using System.Security.Cryptography;

namespace GpuImageBuilder.Build.Services.Images;

/// <summary>
/// SHA-256 of a (sparse) raw disk at the speed of the hash itself. The digest covers every byte, holes included,
/// but holes are not read: the hasher is fed zeros from memory for them (<see cref="SparseFile"/>), so only the
/// allocated data touches the disk. The hash runs in OpenSSL (SHA-NI where the CPU has it).
/// </summary>
public static class ImageHasher
{
    private const int BufferSize = 4 << 20;

    public static string Sha256(string path, CancellationToken cancellation = default)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
        var zeros = new byte[BufferSize];
        long offset = 0;

        void Zeros(long count)
        {
            while (count > 0)
            {
                cancellation.ThrowIfCancellationRequested();
                var n = (int)Math.Min(count, zeros.Length);
                hash.AppendData(zeros, 0, n);
                count -= n;
            }
        }

        foreach (var (start, end) in SparseFile.DataExtents(handle, length))
        {
            Zeros(start - offset);
            for (offset = start; offset < end;)
            {
                cancellation.ThrowIfCancellationRequested();
                var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, end - offset)), offset);
                if (read <= 0)
                {
                    throw new IOException($"{path}: unexpected end of file at byte {offset} of {length}");
                }

                hash.AppendData(buffer, 0, read);
                offset += read;
            }
        }

        Zeros(length - offset);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
