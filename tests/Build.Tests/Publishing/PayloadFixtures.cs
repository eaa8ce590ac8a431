using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Tests.Infrastructure;
using GpuImageBuilder.Build.Tests.Steps;
using GpuImageBuilder.RegionContract;

namespace GpuImageBuilder.Build.Tests.Publishing;

/// <summary>
/// The fixed inputs the reviewed examples in payloads/ are made from: the manifests checked in under Data/, an
/// S3 location that exists nowhere (https://s3.example.com, bucket gpu-images) and a fixed image version.
/// </summary>
public static class PayloadFixtures
{
    public const string ImageVersion = "20261201";
    public const string Endpoint = "https://s3.example.com";
    public const string Bucket = "gpu-images";

    /// <summary>Parsed once: the YAML spec takes a moment to read.</summary>
    public static ContractSchemas Schemas { get; } = ContractSchemas.Load();

    public static PayloadValidator Validator { get; } = new(Schemas);

    public static (string Argument, string Value)[] S3Arguments =>
    [
        (Arg.ImageVersion, ImageVersion),
        (Arg.S3Endpoint, Endpoint),
        (Arg.S3Bucket, Bucket),
        (Arg.S3PathStyle, "true"),
    ];

    public static BuildParameters Parameters(params (string Argument, string Value)[] more) =>
        StepFixtures.Parameters([.. S3Arguments, .. more]);

    public static ImageCatalog RealImages() => ImageCatalog.Load(RepoPaths.InRepo("templates", "images"));

    public static ImageCatalog FixtureImages() => ImageCatalog.Load(RepoPaths.InRepo("tests", "fixture", "images"));

    public static string DataFile(string name) => RepoPaths.InRepo("tests", "Build.Tests", "Publishing", "Data", name);

    /// <summary>The checked-in manifest of a finished, audited, smoke-booted image.</summary>
    public static ImageManifest Manifest(string image) => ImageManifest.Parse(File.ReadAllText(DataFile($"{image}.manifest.json")));

    public static ImagePayload Build(ImageDefinition image, ImageManifest manifest, BuildParameters? parameters = null)
    {
        parameters ??= Parameters();
        var asked = PayloadParameters.For(image, parameters);
        return PayloadBuilder.Build(image, manifest, ObjectLocation.ForImage(parameters.RequireS3(), asked.RegisteredName), asked);
    }

    /// <summary>The example of payloads/&lt;image&gt;.json as the build makes it now.</summary>
    public static string ExampleJson(string image)
    {
        var definition = RealImages()[image];
        return Validator.Validate(image, Build(definition, Manifest(image)));
    }

    /// <summary>A copy of a definitions folder, to change a definition without touching the repository's.</summary>
    public static ImageCatalog ChangedCatalog(TempDir folder, string source, Func<string, string, string> change)
    {
        foreach (var file in Directory.GetFiles(source, "*" + ImageCatalog.VarFileSuffix))
        {
            File.WriteAllText(Path.Combine(folder.Path, Path.GetFileName(file)), change(Path.GetFileName(file), File.ReadAllText(file)));
        }

        return ImageCatalog.Load(folder.Path);
    }

    /// <summary>A manifest with its raw SHA-256 and both gates for that SHA changed together.</summary>
    public static ImageManifest WithRawSha(ImageManifest manifest, string sha) => manifest with
    {
        Raw = manifest.Raw! with { Sha256 = sha },
        Audit = manifest.Audit! with { RawSha256 = sha },
        SmokeBoot = manifest.SmokeBoot! with { RawSha256 = sha },
    };
}
