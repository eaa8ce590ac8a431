using Newtonsoft.Json;

namespace GpuImageBuilder.Build.Services.Images;

/// <summary>
/// A small JSON record next to an artifact (<c>x.qcow2.stamp.json</c>): what it was made from and its checksum.
/// A stamp is written only after its artifact is complete, and is trusted only while the artifact's size and
/// modification time still match, so a replaced or truncated artifact is never taken for a finished one.
/// </summary>
public sealed record ArtifactStamp(string InputsHash, string Sha256, long Bytes, DateTime ModifiedUtc, double Seconds, string? Note = null)
{
    public static string PathFor(string artifact) => artifact + ".stamp.json";

    public static ArtifactStamp? ReadValid(string artifact)
    {
        var path = PathFor(artifact);
        if (!File.Exists(path) || !File.Exists(artifact))
        {
            return null;
        }

        try
        {
            var stamp = JsonConvert.DeserializeObject<ArtifactStamp>(File.ReadAllText(path));
            var info = new FileInfo(artifact);
            return stamp is not null && stamp.Bytes == info.Length && stamp.ModifiedUtc == info.LastWriteTimeUtc ? stamp : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static ArtifactStamp For(string artifact, string inputsHash, string sha256, TimeSpan elapsed, string? note = null)
    {
        var info = new FileInfo(artifact);
        return new(inputsHash, sha256, info.Length, info.LastWriteTimeUtc, Math.Round(elapsed.TotalSeconds, 1), note);
    }

    public void Write(string artifact) => AtomicFile.WriteAllText(PathFor(artifact), JsonConvert.SerializeObject(this, Formatting.Indented));

    public static void Delete(string artifact) => File.Delete(PathFor(artifact));
}

/// <summary>Write to a temporary file beside the target, then rename: readers see the old file or the new one.</summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tmp = path + ".tmp";
        try
        {
            File.WriteAllText(tmp, text);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            File.Delete(tmp);
        }
    }
}
