namespace GpuImageBuilder.Build.Context;

/// <summary>Where each artifact of each image lives under the output directory.</summary>
public sealed record ArtifactPaths(string Root)
{
    public string ImageDirectory(string image) => Path.Combine(Root, image);

    public string Qcow2(string image) => Path.Combine(ImageDirectory(image), $"{image}.qcow2");

    public string Raw(string image) => Path.Combine(ImageDirectory(image), $"{image}.raw");

    public string Manifest(string image) => Path.Combine(ImageDirectory(image), "manifest.json");

    public string Payload(string image) => Path.Combine(ImageDirectory(image), "payload.json");

    /// <summary>What Upload proved about the raw in S3 (<c>UploadedObject</c>), read by Register.</summary>
    public string Uploaded(string image) => Path.Combine(ImageDirectory(image), "upload.json");

    public string Checksums => Path.Combine(Root, "SHA256SUMS");

    /// <summary>The supported combinations and their image names, for CI to fan out (written by the Matrix target).</summary>
    public string MatrixListing => Path.Combine(Root, "matrix.json");

    /// <summary>Scratch space for one run (packer output dirs, seeds, keys); removed when the run ends.</summary>
    public string Work => Path.Combine(Root, ".work");
}
