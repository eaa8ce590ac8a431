using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace GpuImageBuilder.Build.Services.Images;

/// <summary>
/// The build manifest of one image (output/&lt;image&gt;/manifest.json): a record that each step adds to (inputs,
/// tool versions, sizes, SHA-256, step timings, installed packages, audit and smoke-boot results). Every update
/// rewrites the file atomically.
/// </summary>
public static class ManifestStore
{
    public static JObject Read(string path) =>
        File.Exists(path) ? JObject.Parse(File.ReadAllText(path)) : new JObject();

    public static JObject Update(string path, Action<JObject> change)
    {
        var manifest = Read(path);
        change(manifest);
        AtomicFile.WriteAllText(path, manifest.ToString(Formatting.Indented) + "\n");
        return manifest;
    }

    /// <summary>Records how long a step took (and whether it was served from the cache).</summary>
    public static void SetStep(JObject manifest, string step, TimeSpan elapsed, bool cached)
    {
        var steps = manifest["steps"] as JObject ?? new JObject();
        steps[step] = new JObject { ["seconds"] = Math.Round(elapsed.TotalSeconds, 2), ["cached"] = cached };
        manifest["steps"] = steps;
    }
}
