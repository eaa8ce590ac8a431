namespace GpuImageBuilder.Build.Tests.Upload;

/// <summary>Small sparse raws shaped like a real one: a boot sector, a few MiB of random data, holes elsewhere.</summary>
public static class SparseRaws
{
    public const long MiB = 1024 * 1024;

    /// <summary>
    /// 64 MiB virtual. With 8 MiB parts: data in parts 1 (boot sector + 1 MiB), 3 (3 MiB at 18 MiB) and 6 (2 MiB at
    /// 41 MiB); part 8 holds written zeros (data to SEEK_DATA, zeros to the engine); parts 2, 4, 5, 7 are holes.
    /// </summary>
    public static string Create(string path, int seed = 1)
    {
        var random = new Random(seed);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.SetLength(64 * MiB);
        Write(file, 0, Random(random, (int)MiB, bootSector: true));
        Write(file, 18 * MiB, Random(random, (int)(3 * MiB)));
        Write(file, 41 * MiB, Random(random, (int)(2 * MiB)));
        Write(file, 57 * MiB, new byte[MiB]);
        return path;
    }

    /// <summary>Parts with data (bytes the wire must carry when zero parts are copied): 1, 3 and 6 of 8 MiB.</summary>
    public const long DataPartBytes = 3 * 8 * MiB;

    public const long PartSize = 8 * MiB;

    private static byte[] Random(Random random, int length, bool bootSector = false)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        if (bootSector)
        {
            bytes[510] = 0x55;
            bytes[511] = 0xAA;
        }

        return bytes;
    }

    private static void Write(FileStream file, long offset, byte[] bytes)
    {
        file.Seek(offset, SeekOrigin.Begin);
        file.Write(bytes);
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }
}
