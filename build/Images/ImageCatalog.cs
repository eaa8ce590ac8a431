namespace GpuImageBuilder.Build.Images;

/// <summary>The image definitions found in one folder, parents before children.</summary>
public sealed class ImageCatalog
{
    public const string VarFileSuffix = ".pkrvars.hcl";

    private ImageCatalog(string directory, IReadOnlyList<ImageDefinition> images)
    {
        Directory = directory;
        Images = images;
    }

    public string Directory { get; }

    /// <summary>Parents come before the images layered on them.</summary>
    public IReadOnlyList<ImageDefinition> Images { get; }

    public IEnumerable<string> Names => Images.Select(i => i.Name);

    public ImageDefinition this[string name] =>
        Images.FirstOrDefault(i => i.Name == name) ?? throw new ImageDefinitionException($"no image definition named '{name}' in {Directory}");

    public static ImageCatalog Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new ImageDefinitionException($"image definitions folder '{directory}' does not exist; pass --definitions=<folder with *.pkrvars.hcl>");
        }

        var images = new List<ImageDefinition>();
        foreach (var file in System.IO.Directory.GetFiles(directory, "*" + VarFileSuffix).Order(StringComparer.Ordinal))
        {
            var fileName = Path.GetFileName(file);
            var expectedName = fileName[..^VarFileSuffix.Length];
            var vars = PackerVarFile.Parse(file, File.ReadAllText(file));
            var name = Scalar(vars, "image_name", file) ?? throw new ImageDefinitionException($"{file}: image_name is not set");
            if (name != expectedName)
            {
                throw new ImageDefinitionException($"{file}: image_name is '{name}' but the file is named for '{expectedName}'; make them the same");
            }

            var parent = Scalar(vars, "parent_image", file);
            images.Add(new ImageDefinition(
                name,
                string.IsNullOrEmpty(parent) ? null : parent,
                List(vars, "base_scripts", file),
                List(vars, "image_scripts", file),
                Path.GetFullPath(file),
                vars));
        }

        if (images.Count == 0)
        {
            throw new ImageDefinitionException($"no *{VarFileSuffix} image definitions in '{directory}'");
        }

        return new ImageCatalog(directory, Order(images, directory));
    }

    /// <summary>Selected images plus, for layering, nothing else: a child whose parent is not selected builds from the base.</summary>
    public IReadOnlyList<ImageDefinition> Select(IEnumerable<string> names)
    {
        var set = names.ToHashSet(StringComparer.Ordinal);
        return Images.Where(i => set.Contains(i.Name)).ToList();
    }

    private static List<ImageDefinition> Order(List<ImageDefinition> images, string directory)
    {
        var byName = images.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var ordered = new List<ImageDefinition>();
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        void Visit(ImageDefinition image)
        {
            if (ordered.Contains(image))
            {
                return;
            }

            if (!visiting.Add(image.Name))
            {
                throw new ImageDefinitionException($"{image.VarFile}: parent_image forms a cycle through '{image.Name}'");
            }

            if (image.Parent is not null)
            {
                if (!byName.TryGetValue(image.Parent, out var parent))
                {
                    throw new ImageDefinitionException($"{image.VarFile}: parent_image '{image.Parent}' has no definition in {directory}");
                }

                Visit(parent);
            }

            ordered.Add(image);
        }

        foreach (var image in images)
        {
            Visit(image);
        }

        return ordered;
    }

    private static string? Scalar(IReadOnlyDictionary<string, PackerValue> vars, string key, string file)
    {
        if (!vars.TryGetValue(key, out var value))
        {
            return null;
        }

        return value.Scalar ?? throw new ImageDefinitionException($"{file}: {key} must be a string");
    }

    private static IReadOnlyList<string> List(IReadOnlyDictionary<string, PackerValue> vars, string key, string file)
    {
        if (!vars.TryGetValue(key, out var value))
        {
            return [];
        }

        return value.List ?? throw new ImageDefinitionException($"{file}: {key} must be a list of strings");
    }
}
