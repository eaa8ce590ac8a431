using Cake.Frosting;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tests.Parameters;

/// <summary>An argument the build does not know is an error with the nearest known name, never ignored.</summary>
[TestFixture]
public sealed class KnownNamesTests
{
    [TestCase("imgae", "image")]
    [TestCase("nvidia-driver-verison", "nvidia-driver-version")]
    [TestCase("kubernetes-versoin", "kubernetes-version")]
    [TestCase("memroy", "memory")]
    [TestCase("cpu", "cpus")]
    [TestCase("s3bucket", "s3-bucket")]
    [TestCase("targt", "target")]
    [TestCase("exclusiv", "exclusive")]
    [TestCase("dry-runn", "dry-run")]
    [TestCase("IMGAE", "image")]
    public void A_typo_is_answered_with_the_nearest_known_name(string given, string nearest)
    {
        var problems = KnownNames.UnknownArguments([given]).ToList();
        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0], Does.StartWith($"--{given}: unknown argument; did you mean --{nearest}"));
    }

    [Test]
    public void A_parameter_suggestion_names_its_environment_variable_too()
    {
        Assert.That(KnownNames.UnknownArguments(["imgae"]).Single(), Is.EqualTo("--imgae: unknown argument; did you mean --image (GPU_IMAGE)? (--help lists them all)"));
    }

    [Test]
    public void A_name_like_nothing_known_gets_no_suggestion()
    {
        Assert.That(KnownNames.UnknownArguments(["frobnicate"]).Single(), Is.EqualTo("--frobnicate: unknown argument; no parameter or host option is named like it (--help lists them all)"));
    }

    [Test]
    public void Every_parameter_and_host_option_is_known_whatever_its_case()
    {
        string[] given = [.. ParameterCatalog.All.Select(d => d.Argument), "target", "verbosity", "dryrun", "exclusive", "tree", "description", "help", "Target", "DRY-RUN"];
        Assert.That(KnownNames.UnknownArguments(given), Is.Empty);
    }

    [Test]
    public void Each_unknown_name_is_reported_once()
    {
        Assert.That(KnownNames.UnknownArguments(["imgae", "imgae", "Imgae"]).ToList(), Has.Count.EqualTo(1));
    }

    [TestCase("target", "Validate")]
    [TestCase("verbosity", "quiet")]
    [TestCase("dryrun", "true")]
    [TestCase("noop", "true")]
    [TestCase("whatif", "true")]
    [TestCase("exclusive", "true")]
    [TestCase("tree", "true")]
    [TestCase("description", "true")]
    [TestCase("showdescription", "true")]
    [TestCase("help", "true")]
    public void Each_host_option_the_list_names_is_one_the_host_reads(string name, string value)
    {
        Assert.That(KnownNames.HostOptions, Does.Contain(name));
        var empty = Array.Empty<KeyValuePair<string, string>>().ToLookup(p => p.Key, p => p.Value);
        var parsed = HostOptions.Parse([$"--{name}={value}"]) with { Arguments = empty };
        Assert.That(parsed, Is.Not.EqualTo(new HostOptions { Arguments = empty }), $"--{name} changes nothing the host reads");
    }

    [Test]
    public void The_list_names_only_host_options_with_a_test()
    {
        var tested = typeof(KnownNamesTests).GetMethod(nameof(Each_host_option_the_list_names_is_one_the_host_reads))!
            .GetCustomAttributes(typeof(TestCaseAttribute), false).Cast<TestCaseAttribute>().Select(t => (string)t.Arguments[0]!);
        Assert.That(KnownNames.HostOptions, Is.EquivalentTo(tested));
    }

    [TestCase("image", "image", 0)]
    [TestCase("imgae", "image", 1)]
    [TestCase("image", "images", 1)]
    [TestCase("imge", "image", 1)]
    [TestCase("imxge", "image", 1)]
    [TestCase("gami", "image", 4)]
    [TestCase("", "tree", 4)]
    public void Distance_counts_a_swap_as_one_edit(string a, string b, int expected)
    {
        Assert.That(KnownNames.Distance(a, b), Is.EqualTo(expected));
        Assert.That(KnownNames.Distance(b, a), Is.EqualTo(expected));
    }
}
