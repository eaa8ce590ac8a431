using Cake.Core.Diagnostics;
using Cake.Frosting;

namespace GpuImageBuilder.Build.Tests.Host;

/// <summary>The host's own options: what --target, -v, --dryrun and friends mean, and what is refused.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class HostOptionsTests
{
    [Test]
    public void Defaults_are_the_Default_target_at_normal_verbosity()
    {
        var options = HostOptions.Parse([]);
        Assert.That(options.Target, Is.EqualTo("Default"));
        Assert.That(options.Verbosity, Is.EqualTo(Verbosity.Normal));
        Assert.That(options.DryRun || options.Exclusive || options.ShowTree || options.ShowHelp, Is.False);
    }

    [Test]
    public void Short_names_separate_values_and_the_last_value_win()
    {
        var options = HostOptions.Parse(["-t", "Validate", "--target=SmokeBoot", "-v=diagnostic", "-e", "--image=gpu-ready"]);
        Assert.That(options.Target, Is.EqualTo("SmokeBoot"));
        Assert.That(options.Verbosity, Is.EqualTo(Verbosity.Diagnostic));
        Assert.That(options.Exclusive, Is.True);
        Assert.That(options.Arguments["image"], Is.EqualTo(new[] { "gpu-ready" }), "build parameters pass through");
    }

    [TestCase("--dryrun")]
    [TestCase("--noop")]
    [TestCase("--whatif")]
    public void Cakes_dry_run_spellings_all_mean_dry_run(string flag) =>
        Assert.That(HostOptions.Parse([flag]).DryRun, Is.True);

    [Test]
    public void A_flag_set_to_false_is_off() =>
        Assert.That(HostOptions.Parse(["--exclusive=false"]).Exclusive, Is.False);

    [TestCase(new[] { "target=Validate" }, "unexpected argument 'target=Validate'")]
    [TestCase(new[] { "--=x" }, "has no name")]
    [TestCase(new[] { "--verbosity=loud" }, "--verbosity=loud is not a verbosity")]
    [TestCase(new[] { "--tree=perhaps" }, "--tree=perhaps is not a boolean")]
    public void Malformed_options_are_refused_with_the_reason(string[] args, string message)
    {
        var ex = Assert.Throws<HostUsageException>(() => HostOptions.Parse(args));
        Assert.That(ex!.Message, Does.Contain(message));
    }
}
