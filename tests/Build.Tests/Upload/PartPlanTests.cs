using GpuImageBuilder.Build.Services.Upload;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Upload;

public sealed class PartPlanTests
{
    private const long MiB = SparseRaws.MiB;

    [Test]
    public void Parts_without_any_data_extent_are_marked_as_holes()
    {
        var plan = PartPlan.For(64 * MiB, [(0, MiB), (18 * MiB, 21 * MiB), (41 * MiB, 43 * MiB)], 8 * MiB);

        Assert.That(plan.Parts, Has.Count.EqualTo(8));
        Assert.That(plan.Parts.Where(p => p.HasData).Select(p => p.Number), Is.EqualTo(new[] { 1, 3, 6 }));
        Assert.That(plan.AllocatedBytes, Is.EqualTo(6 * MiB));
        Assert.That(plan.PartSizeGrown, Is.False);
    }

    [Test]
    public void An_extent_spanning_a_part_boundary_marks_both_parts()
    {
        var plan = PartPlan.For(32 * MiB, [(7 * MiB, 9 * MiB)], 8 * MiB);

        Assert.That(plan.Parts.Where(p => p.HasData).Select(p => p.Number), Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void The_last_part_is_shorter_and_the_parts_cover_the_file_exactly()
    {
        var plan = PartPlan.For(20 * MiB + 3, [], 8 * MiB);

        Assert.That(plan.Parts.Select(p => p.Length), Is.EqualTo(new[] { 8 * MiB, 8 * MiB, 4 * MiB + 3 }));
        Assert.That(plan.Parts[^1].End, Is.EqualTo(plan.Size));
        Assert.That(plan.Parts.All(p => !p.HasData), Is.True);
    }

    [Test]
    public void A_part_size_giving_more_than_10000_parts_is_doubled_until_it_fits()
    {
        var plan = PartPlan.For(100_000 * 5 * MiB, [], 5 * MiB);

        Assert.That(plan.PartSizeGrown, Is.True);
        Assert.That(plan.Parts.Count, Is.LessThanOrEqualTo(PartPlan.MaxParts));
        Assert.That(plan.PartSize, Is.EqualTo(80 * MiB));
    }

    [Test]
    public void A_file_no_larger_than_one_part_is_a_single_put()
    {
        Assert.That(PartPlan.For(3 * MiB, [(0, 3 * MiB)], 8 * MiB).SinglePut, Is.True);
        Assert.That(PartPlan.For(9 * MiB, [(0, 3 * MiB)], 8 * MiB).SinglePut, Is.False);
    }

    [Test]
    public void A_real_sparse_file_is_planned_from_its_extents()
    {
        using var dir = new TempDir("plan");
        var raw = SparseRaws.Create(dir.File("disk.raw"));

        var plan = PartPlan.ForFile(raw, SparseRaws.PartSize);

        // Part 8 holds written zeros: data to SEEK_DATA (the engine finds them zero when it reads them).
        Assert.That(plan.Parts.Where(p => p.HasData).Select(p => p.Number), Is.EqualTo(new[] { 1, 3, 6, 8 }));
        Assert.That(plan.Size, Is.EqualTo(64 * MiB));
    }

    [Test]
    public void The_md5_of_a_zero_part_is_that_of_its_bytes()
    {
        var expected = System.Security.Cryptography.MD5.HashData(new byte[3 * MiB + 5]);

        Assert.That(PartData.ZeroPartMd5(3 * MiB + 5), Is.EqualTo(expected));
    }
}
