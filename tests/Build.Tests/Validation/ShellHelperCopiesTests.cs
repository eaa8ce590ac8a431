using GpuImageBuilder.Build.Services.Validation;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Validation;

/// <summary>Shared helpers are copied between the standalone scripts; every copy must be the same text.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ShellHelperCopiesTests
{
    [Test]
    public void Functions_are_read_to_their_closing_brace_at_column_zero()
    {
        const string script = "#!/usr/bin/env bash\n"
            + "log() { printf '%s\\n' \"$*\"; }\n"
            + "die() {\n"
            + "\tlocal rc=$1\n"
            + "\tif true; then\n"
            + "\t\techo \"}\"\n"
            + "\tfi\n"
            + "\t}\n"
            + "}\n"
            + "main() {   \r\n"
            + "\tlog hi\n"
            + "}\n"
            + "  indented() { :; }\n"
            + "function legacy {\n"
            + "\t:\n"
            + "}\n";
        var functions = ShellHelperCopies.Functions(script);
        Assert.That(functions.Select(f => (f.Name, f.Line)), Is.EqualTo(new[] { ("log", 2), ("die", 3), ("main", 10), ("legacy", 14) }));
        Assert.That(functions[1].Text, Is.EqualTo("die() {\n\tlocal rc=$1\n\tif true; then\n\t\techo \"}\"\n\tfi\n\t}\n}"));
        Assert.That(functions[2].Text, Is.EqualTo("main() {\n\tlog hi\n}"), "trailing whitespace and CR are not part of the text");
    }

    [Test]
    public void A_function_without_a_closing_brace_at_column_zero_ends_the_scan()
    {
        var functions = ShellHelperCopies.Functions("a() { :; }\nb() {\n\t:\n  }\nc() { :; }\n");
        Assert.That(functions.Select(f => f.Name), Is.EqualTo(new[] { "a" }));
    }

    [Test]
    public void The_real_scripts_share_identical_copies()
    {
        using var sandbox = new AssetSandbox();
        Assert.That(ShellHelperCopies.Check(sandbox.Assets), Is.Empty);
    }

    [Test]
    public void The_real_scripts_do_share_helpers()
    {
        // Guards the check itself: if extraction found nothing, "no differences" would mean nothing.
        using var sandbox = new AssetSandbox();
        var names = Directory.GetFiles(sandbox.Assets.Scripts, "*.sh")
            .SelectMany(f => ShellHelperCopies.Functions(File.ReadAllText(f)).Select(fn => fn.Name))
            .GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.That(names, Is.SupersetOf(new[] { "log", "die", "apt_get", "installed_kernels", "kernel_may_have_nvidia_module" }));
    }

    [Test]
    public void A_copy_that_differs_from_the_others_is_reported_with_its_file_line_and_the_reference_copies()
    {
        using var sandbox = new AssetSandbox();
        sandbox.Replace("scripts/03-kubernetes-tools.sh", "\tprintf 'error: %s\\n' \"$*\" >&2", "\tprintf 'fatal: %s\\n' \"$*\" >&2");
        var problems = ShellHelperCopies.Check(sandbox.Assets).ToList();
        var line = Array.FindIndex(File.ReadAllLines(sandbox.PathOf("scripts/03-kubernetes-tools.sh")), l => l.StartsWith("die() {", StringComparison.Ordinal)) + 1;
        Assert.That(problems, Is.EqualTo(new[]
        {
            new ValidationProblem("scripts/03-kubernetes-tools.sh", line,
                "shared helper die() differs from its copy in scripts/01-system-update.sh, scripts/02-gpu-prerequisites.sh, scripts/04-nvidia-driver.sh, scripts/05-nvidia-firmware-config.sh, scripts/99-cleanup.sh; the scripts are standalone, so copy the helper verbatim and keep every copy the same"),
        }));
    }

    [Test]
    public void With_two_copies_that_differ_the_second_script_is_reported_against_the_first()
    {
        using var sandbox = new AssetSandbox();
        var path = sandbox.PathOf("scripts/06-verify-nvidia.sh");
        var text = File.ReadAllText(path);
        var start = text.IndexOf("\nkernel_may_have_nvidia_module() {\n", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThan(0), "test setup: 06 defines kernel_may_have_nvidia_module");
        File.WriteAllText(path, text.Insert(start + "\nkernel_may_have_nvidia_module() {\n".Length, "\t: drifted\n"));
        var problems = ShellHelperCopies.Check(sandbox.Assets).ToList();
        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0].File, Is.EqualTo("scripts/06-verify-nvidia.sh"));
        Assert.That(problems[0].Message, Does.StartWith("shared helper kernel_may_have_nvidia_module() differs from its copy in scripts/05-nvidia-firmware-config.sh;"));
    }
}
