using GpuImageBuilder.RegionEmulator.Access;
using GpuImageBuilder.RegionEmulator.Faults;
using GpuImageBuilder.RegionEmulator.Hosting;

namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>The emulator's command line and token grants, as pure parsing.</summary>
[TestFixture]
[Category("Emulator")]
public sealed class EmulatorOptionsTests
{
    [Test]
    public void Tokens_grant_every_permission_unless_limited_per_organization()
    {
        var grants = TokenGrants.Parse(["t1:org-a,org-b=read", "t2:org-c=read+delete"]);
        Assert.Multiple(() =>
        {
            Assert.That(grants.For("t1", "org-a"), Is.EqualTo(ImagePermission.All));
            Assert.That(grants.For("t1", "org-b"), Is.EqualTo(ImagePermission.Read));
            Assert.That(grants.For("t2", "org-c"), Is.EqualTo(ImagePermission.Read | ImagePermission.Delete));
            Assert.That(grants.For("t2", "org-a"), Is.EqualTo(ImagePermission.None));
            Assert.That(grants.IsKnown("t3"), Is.False);
        });
    }

    [TestCase("no-colon")]
    [TestCase("secret:org-a=write")]
    public void A_bad_token_grant_is_refused_without_echoing_the_secret(string spec)
    {
        var error = Assert.Throws<FormatException>(() => TokenGrants.Parse([spec]))!;
        Assert.That(error.Message, Does.Contain("[REDACTED]").And.Not.Contain(spec.Split(':')[0]));
    }

    [Test]
    public void The_command_line_becomes_options_with_durations_and_faults()
    {
        var options = OptionsParser.Parse(["--port", "8089", "--token=t:org", "--import-delay=250ms", "--creating-delay=1.5s",
            "--list-delay=1m", "--region=r1", "--global-image=g", "--fail-503=2:POST", "--throttle=1:5", "--drop-after-create=1"]);
        Assert.Multiple(() =>
        {
            Assert.That(options.Port, Is.EqualTo(8089));
            Assert.That(options.Tokens.IsKnown("t"), Is.True);
            Assert.That(options.Timing.Pending, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
            Assert.That(options.Timing.MinimumCreating, Is.EqualTo(TimeSpan.FromSeconds(1.5)));
            Assert.That(options.ListDelay, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(options.Regions, Is.EqualTo(new[] { "r1" }));
            Assert.That(options.GlobalImages, Is.EqualTo(new[] { "g" }));
            Assert.That(options.Faults, Is.EqualTo(new[]
            {
                new Fault(FaultKind.Unavailable, 2, "POST"),
                new Fault(FaultKind.Throttle, 1, null, 5),
                new Fault(FaultKind.DropAfterCreate, 1, "POST"),
            }));
        });
    }

    [Test]
    public void Every_bad_option_is_reported_together()
    {
        var error = Assert.Throws<FormatException>(() => OptionsParser.Parse(["--port=x", "--colour=red", "--throttle=2"]))!;
        Assert.That(error.Message, Does.Contain("--port").And.Contain("--colour").And.Contain("--throttle"));
    }
}
