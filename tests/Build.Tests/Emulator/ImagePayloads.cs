using System.Text.Json.Nodes;

namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>imageCreate bodies shaped like the spec's example, for tests to send as they are or to break.</summary>
public static class ImagePayloads
{
    public static JsonObject Gpu(string name, Uri uri) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["uri"] = uri.ToString(),
            ["architecture"] = "x86_64",
            ["virtualization"] = "virtualized",
            ["os"] = new JsonObject
            {
                ["kernel"] = "linux",
                ["family"] = "debian",
                ["distro"] = "ubuntu",
                ["variant"] = "server",
                ["codename"] = "noble",
                ["version"] = "24.04",
            },
            ["softwareVersions"] = new JsonObject { ["kubernetes"] = "v1.31.4" },
            ["gpu"] = new JsonObject
            {
                ["vendor"] = "NVIDIA",
                ["driver"] = "570.133.20",
                ["models"] = new JsonArray("H100", "H200"),
            },
        },
    };

    /// <summary>Like gpu-ready: no gpu object at all, which the spec allows.</summary>
    public static JsonObject WithoutGpu(string name, Uri uri)
    {
        var body = Gpu(name, uri);
        body["spec"]!.AsObject().Remove("gpu");
        return body;
    }
}
