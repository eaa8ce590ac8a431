using System.Security.Cryptography;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Images;

[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ImageHasherTests
{
    [Test]
    public async Task Sparse_hash_equals_sha256sum_over_every_byte()
    {
        using var dir = new TempDir();
        var path = dir.File("sparse.raw");
        await using (var f = File.Create(path))
        {
            f.SetLength(96L * 1024 * 1024 + 123); // odd length: a trailing hole that does not end on a block
            var rng = new Random(7);
            foreach (var offset in new long[] { 0, 5 * 1024 * 1024 + 17, 60L * 1024 * 1024 })
            {
                var data = new byte[1024 * 1024 + 3];
                rng.NextBytes(data);
                f.Seek(offset, SeekOrigin.Begin);
                await f.WriteAsync(data);
            }
        }

        var expected = (await new CommandRunner().RunAsync("sha256sum", [path])).StdOut.Split(' ')[0];
        Assert.That(ImageHasher.Sha256(path), Is.EqualTo(expected));
        Assert.That(SparseFile.AllocatedBytes(path), Is.LessThan(16L * 1024 * 1024), "the test file really is sparse");
    }

    [Test]
    public void Dense_and_empty_files_hash_like_the_framework()
    {
        using var dir = new TempDir();
        var dense = dir.File("dense");
        var bytes = RandomNumberGenerator.GetBytes(5_000_001);
        File.WriteAllBytes(dense, bytes);
        Assert.That(ImageHasher.Sha256(dense), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(bytes))));

        var empty = dir.File("empty");
        File.WriteAllBytes(empty, []);
        Assert.That(ImageHasher.Sha256(empty), Is.EqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    }

    [Test]
    public void A_file_that_is_all_hole_hashes_as_zeros()
    {
        using var dir = new TempDir();
        var path = dir.File("hole");
        using (var f = File.Create(path))
        {
            f.SetLength(10 * 1024 * 1024);
        }

        Assert.That(ImageHasher.Sha256(path), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(new byte[10 * 1024 * 1024]))));
    }
}
