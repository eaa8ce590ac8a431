using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Region;

/// <summary>
/// contracts/region/ is the product's copy of the region's spec; ../shared/contracts/region/ (beside the clone) is
/// where it comes from. A change on either side must be made on both, or this fails.
/// </summary>
[TestFixture]
[Category("Contract")]
public sealed class ContractCopyTests
{
    private static string Copy => RepoPaths.InRepo("contracts", "region");

    private static string Shared => Path.Combine(SharedBesideTheClone(), "contracts", "region");

    /// <summary>
    /// ../shared beside the repository; for a git worktree, beside the main checkout it belongs to (its .git file
    /// says "gitdir: MAIN/.git/worktrees/NAME"), since a worktree can live anywhere.
    /// </summary>
    private static string SharedBesideTheClone()
    {
        var beside = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared"));
        var dotGit = Path.Combine(RepoPaths.Root, ".git");
        if (Directory.Exists(beside) || !File.Exists(dotGit))
        {
            return beside;
        }

        var gitDir = File.ReadAllText(dotGit).Trim();
        const string prefix = "gitdir:";
        if (!gitDir.StartsWith(prefix, StringComparison.Ordinal))
        {
            return beside;
        }

        var worktreeGitDir = Path.GetFullPath(gitDir[prefix.Length..].Trim(), RepoPaths.Root);
        var mainGitDir = Directory.GetParent(worktreeGitDir)?.Parent;
        var mainCheckout = mainGitDir?.Name == ".git" ? mainGitDir.Parent : null;
        return mainCheckout is null ? beside : Path.GetFullPath(Path.Combine(mainCheckout.FullName, "..", "shared"));
    }

    [Test]
    public void The_copy_holds_the_same_files_as_shared_byte_for_byte()
    {
        if (!Directory.Exists(Shared))
        {
            Assert.Ignore($"{Shared} is absent (no shared/ beside this clone): the copy cannot be compared.");
        }

        var shared = FilesIn(Shared);
        var copied = FilesIn(Copy);
        Assert.Multiple(() =>
        {
            Assert.That(copied.Keys, Is.EquivalentTo(shared.Keys), $"files of {Copy} vs {Shared}");
            foreach (var (name, path) in shared.Where(f => copied.ContainsKey(f.Key)))
            {
                Assert.That(File.ReadAllBytes(copied[name]), Is.EqualTo(File.ReadAllBytes(path)),
                    $"contracts/region/{name} differs from {path}: copy the new version (and update README.md's provenance)");
            }
        });
    }

    [Test]
    public void The_copy_is_not_empty_and_names_its_provenance()
    {
        var readme = File.ReadAllText(Path.Combine(Copy, "README.md"));
        Assert.That(FilesIn(Copy).Keys.Where(n => n != "README.md"), Is.Not.Empty);
        foreach (var name in FilesIn(Copy).Keys.Where(n => n != "README.md"))
        {
            Assert.That(readme, Does.Contain(name), $"README.md does not say where {name} comes from");
        }
    }

    private static Dictionary<string, string> FilesIn(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), f => f, StringComparer.Ordinal);
}
