namespace GpuImageBuilder.Build.Parameters;

/// <summary>Which images a run builds, from the target and --image, and whether their registered names are valid.</summary>
public static class ImageSelection
{
    /// <summary>Aggregate targets fix the image set; --image then must agree.</summary>
    public static readonly IReadOnlyDictionary<string, string> TargetImages = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["BuildGpuReady"] = "gpu-ready",
        ["BuildNvidia"] = "nvidia-firmware1",
    };

    /// <summary>The selected names, in the order of <paramref name="imageNames"/>'s definitions; problems are added.</summary>
    public static IReadOnlyList<string> Resolve(string selection, ValueSource source, string target, IReadOnlyCollection<string> imageNames, ICollection<ParameterProblem> problems)
    {
        if (TargetImages.TryGetValue(target, out var fixedImage))
        {
            if (source != ValueSource.Default && selection != fixedImage && selection != "all")
            {
                problems.Add(new(ParameterGroup.Images, $"--{Arg.Image} ({Env.Image}) = '{selection}': target {target} builds {fixedImage} only; drop --{Arg.Image} or use --target=BuildBoth"));
            }

            return [fixedImage];
        }

        if (selection == "all")
        {
            return imageNames.ToList();
        }

        var chosen = Rules.SplitList(selection);
        var unknown = chosen.Where(n => !imageNames.Contains(n)).ToList();
        if (unknown.Count > 0)
        {
            problems.Add(new(ParameterGroup.Images, $"--{Arg.Image} ({Env.Image}) = '{selection}': no image named '{string.Join("', '", unknown)}'; expected {string.Join(", ", imageNames)} or all"));
        }

        return chosen.Where(imageNames.Contains).ToList();
    }

    /// <summary>Image names come from the definitions folder, so a long one plus a long version can exceed the region's limit.</summary>
    public static void CheckRegisteredNames(IEnumerable<string> registeredNames, ICollection<ParameterProblem> problems)
    {
        foreach (var name in registeredNames.Where(n => n.Length > 63 || !Rules.ResourceName().IsMatch(n)))
        {
            problems.Add(new(ParameterGroup.Images, $"--{Arg.ImageVersion} ({Env.ImageVersion}): the image name '{name}' is not one the region accepts (1-63 letters, digits, '-', '_', '.', starting and ending alphanumeric); choose a shorter or simpler version"));
        }
    }
}
