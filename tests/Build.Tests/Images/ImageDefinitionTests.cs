using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Images;

/// <summary>Var-file parsing, the image catalog (order, layering, errors) and what a definition says an image carries.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ImageDefinitionTests
{
    [Test]
    public void Var_files_hold_strings_lists_numbers_and_booleans_with_comments_anywhere()
    {
        var vars = PackerVarFile.Parse("x.pkrvars.hcl", """
            # a comment
            image_name = "gpu-ready" // trailing
            scripts    = ["01-a.sh", # inline
                          "02-b.sh"]
            url        = "http://host/#not-a-comment"
            quoted     = "say \"hi\""
            memory     = 2048
            headless   = true
            """);
        Assert.That(vars["image_name"].Scalar, Is.EqualTo("gpu-ready"));
        Assert.That(vars["scripts"].List, Is.EqualTo(new[] { "01-a.sh", "02-b.sh" }));
        Assert.That(vars["url"].Scalar, Is.EqualTo("http://host/#not-a-comment"));
        Assert.That(vars["quoted"].Scalar, Is.EqualTo("say \"hi\""));
        Assert.That(vars["memory"].Scalar, Is.EqualTo("2048"));
        Assert.That(vars["headless"].Scalar, Is.EqualTo("true"));
    }

    [TestCase("image_name gpu-ready", "x.pkrvars.hcl:1: expected 'name = value'")]
    [TestCase("scripts = [\"a.sh\"", "x.pkrvars.hcl:1: list 'scripts' is not closed")]
    [TestCase("scripts = [\"a.sh\", b.sh]", "list 'scripts' may hold only quoted strings")]
    [TestCase("name = gpu-ready", "'name' must be a quoted string")]
    [TestCase("name = \"a\" \"b\"", "'name' is not a single quoted string")]
    public void Malformed_var_files_name_the_line_and_the_problem(string text, string message)
    {
        var ex = Assert.Throws<ImageDefinitionException>(() => PackerVarFile.Parse("x.pkrvars.hcl", text));
        Assert.That(ex!.Message, Does.Contain(message));
    }

    [Test]
    public void The_catalog_puts_parents_before_children_and_reads_each_definition()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a-child.pkrvars.hcl"), "image_name = \"a-child\"\nparent_image = \"z-parent\"\nimage_scripts = [\"05-nvidia-firmware-config.sh\"]\n");
        File.WriteAllText(dir.File("z-parent.pkrvars.hcl"), "image_name = \"z-parent\"\nbase_scripts = [\"01-system-update.sh\", \"03-kubernetes-tools.sh\"]\n");
        var catalog = ImageCatalog.Load(dir.Path);
        Assert.That(catalog.Names, Is.EqualTo(new[] { "z-parent", "a-child" }));
        Assert.That(catalog["a-child"].Parent, Is.EqualTo("z-parent"));
        Assert.That(catalog["z-parent"].BaseScripts, Is.EqualTo(new[] { "01-system-update.sh", "03-kubernetes-tools.sh" }));
        Assert.That(catalog.Select(["a-child"]).Select(i => i.Name), Is.EqualTo(new[] { "a-child" }));
    }

    [TestCase("a.pkrvars.hcl", "image_name = \"b\"\n", "image_name is 'b' but the file is named for 'a'")]
    [TestCase("a.pkrvars.hcl", "parent_image = \"x\"\n", "image_name is not set")]
    [TestCase("a.pkrvars.hcl", "image_name = \"a\"\nparent_image = \"missing\"\n", "parent_image 'missing' has no definition")]
    [TestCase("a.pkrvars.hcl", "image_name = \"a\"\nparent_image = \"a\"\n", "forms a cycle")]
    [TestCase("a.pkrvars.hcl", "image_name = \"a\"\nbase_scripts = \"01.sh\"\n", "base_scripts must be a list of strings")]
    public void A_broken_catalog_says_which_file_and_why(string file, string text, string message)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File(file), text);
        var ex = Assert.Throws<ImageDefinitionException>(() => ImageCatalog.Load(dir.Path));
        Assert.That(ex!.Message, Does.Contain(message));
    }

    [Test]
    public void An_empty_or_missing_definitions_folder_is_an_error()
    {
        using var dir = new TempDir();
        Assert.That(() => ImageCatalog.Load(dir.Path), Throws.TypeOf<ImageDefinitionException>().With.Message.Contains("no *.pkrvars.hcl"));
        Assert.That(() => ImageCatalog.Load(dir.File("nope")), Throws.TypeOf<ImageDefinitionException>().With.Message.Contains("does not exist"));
    }

    [Test]
    public void Features_come_from_the_steps_the_definition_runs()
    {
        var catalog = ImageCatalog.Load(RepoPaths.InRepo("templates", "images"));
        Assert.That(catalog["gpu-ready"].Features, Is.EqualTo(new ImageFeatures(Kubernetes: true, NvidiaDriver: false, FirmwareOption: false, NodePrerequisites: true)));
        Assert.That(catalog["nvidia-firmware1"].Features, Is.EqualTo(new ImageFeatures(Kubernetes: true, NvidiaDriver: true, FirmwareOption: true, NodePrerequisites: true)));
        var fixture = ImageCatalog.Load(RepoPaths.InRepo("tests", "fixture", "images"));
        Assert.That(fixture["nvidia-firmware1"].Features, Is.EqualTo(new ImageFeatures(Kubernetes: false, NvidiaDriver: false, FirmwareOption: true, NodePrerequisites: true)), "the fixture has no 03/04");
    }
}
