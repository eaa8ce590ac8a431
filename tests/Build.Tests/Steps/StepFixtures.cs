using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Steps;

/// <summary>Parameters, catalog and an output folder for step and planner tests, without Cake.</summary>
public static class StepFixtures
{
    public const string BaseChecksum = "sha256:0000000000000000000000000000000000000000000000000000000000000001";

    /// <summary>A local base image must exist (the parameters check it); its bytes never matter here.</summary>
    private static string StandInBaseImage
    {
        get
        {
            var path = Path.Combine(Path.GetTempPath(), "gib-step-fixtures-base.qcow2");
            if (!File.Exists(path))
            {
                File.WriteAllText(path, "stand-in base image");
            }

            return path;
        }
    }

    public static BuildParameters Parameters(params (string Argument, string Value)[] values)
    {
        var given = values.ToDictionary(v => v.Argument, v => v.Value, StringComparer.Ordinal);
        given.TryAdd(Arg.BaseImage, StandInBaseImage);
        given.TryAdd(Arg.BaseImageChecksum, BaseChecksum);
        var sources = new ParameterSources(name => given.GetValueOrDefault(name), _ => null, _ => null, _ => null);
        return BuildParameters.Create(sources, "BuildQcow2", ["gpu-ready", "nvidia-firmware1"]);
    }

    public static ImageCatalog Catalog() => ImageCatalog.Load(RepoPaths.InRepo("templates", "images"));

    /// <summary>A file standing in for a finished qcow2, with a valid stamp.</summary>
    public static ArtifactStamp PlantQcow2(ArtifactPaths paths, string image, string inputsHash)
    {
        var qcow2 = paths.Qcow2(image);
        Directory.CreateDirectory(Path.GetDirectoryName(qcow2)!);
        File.WriteAllText(qcow2, "not really a qcow2");
        var stamp = ArtifactStamp.For(qcow2, inputsHash, new string('a', 64), TimeSpan.FromSeconds(42));
        stamp.Write(qcow2);
        return stamp;
    }
}
