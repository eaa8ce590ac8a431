using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>
/// The bytes of one part, read from the raw (a hole reads as zeros without IO), with their MD5 (Content-MD5, and the
/// ETag S3 gives the part). Rents its buffer; dispose to return it.
/// </summary>
public sealed class PartData : IDisposable
{
    private static readonly ConcurrentDictionary<long, byte[]> ZeroMd5 = new();
    private byte[]? _buffer;

    private PartData(byte[] buffer, int length, byte[] md5)
    {
        _buffer = buffer;
        Length = length;
        Md5 = md5;
    }

    public int Length { get; }

    public byte[] Md5 { get; }

    public string Md5Base64 => Convert.ToBase64String(Md5);

    public string Md5Hex => Convert.ToHexStringLower(Md5);

    public bool AllZero => _buffer.AsSpan(0, Length).IndexOfAnyExcept((byte)0) < 0;

    public MemoryStream OpenRead() => new(_buffer!, 0, Length, writable: false);

    /// <summary>The largest part this engine holds in memory (parts are read whole to hash them before sending).</summary>
    public const long MaxLength = 1L << 30;

    public static PartData Read(SafeFileHandleSource raw, PlannedPart part)
    {
        var length = checked((int)part.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        var span = buffer.AsSpan(0, length);
        if (part.HasData)
        {
            var read = 0;
            while (read < length)
            {
                var n = RandomAccess.Read(raw.Handle, span[read..], part.Offset + read);
                if (n == 0)
                {
                    throw new UploadException($"{raw.Path} is shorter than when the upload was planned: it changed; run Checksum again");
                }

                read += n;
            }
        }
        else
        {
            span.Clear();
        }

        var md5 = part.HasData ? MD5.HashData(span) : ZeroPartMd5(length);
        return new PartData(buffer, length, md5);
    }

    /// <summary>The MD5 of <paramref name="length"/> zero bytes (a zero part's ETag, sent or copied), computed once per length.</summary>
    public static byte[] ZeroPartMd5(long length) => ZeroMd5.GetOrAdd(length, static n =>
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var zeros = new byte[Math.Min(n, 1 << 20)];
        for (var left = n; left > 0; left -= zeros.Length)
        {
            md5.AppendData(zeros, 0, (int)Math.Min(left, zeros.Length));
        }

        return md5.GetHashAndReset();
    });

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>The raw, opened once for reading by every part worker.</summary>
public sealed class SafeFileHandleSource(string path) : IDisposable
{
    public string Path { get; } = path;

    public Microsoft.Win32.SafeHandles.SafeFileHandle Handle { get; } = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);

    public void Dispose() => Handle.Dispose();
}
