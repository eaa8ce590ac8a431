using GpuImageBuilder.Build.Services.Images;
using Newtonsoft.Json;

namespace GpuImageBuilder.Build.Services.Upload;

/// <summary>
/// The resume record of an unfinished multipart upload (output/&lt;image&gt;/.upload-state.json): which upload of which
/// key, for which bytes (size and SHA-256) and cut how (part size). ListMultipartUploads does not show an upload's
/// metadata, so this record is what ties an upload id to the raw it was started for; the server's ListParts then says
/// which parts are really there. Written atomically when the upload is created; removed after success.
/// </summary>
public sealed record UploadState(int SchemaVersion, string Endpoint, string Bucket, string Key, string UploadId, long Size, long PartSize, string Sha256)
{
    public const int CurrentSchemaVersion = 1;

    public static UploadState? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var state = JsonConvert.DeserializeObject<UploadState>(File.ReadAllText(path));
            return state is { SchemaVersion: CurrentSchemaVersion } ? state : null;
        }
        catch (JsonException)
        {
            return null; // a torn or foreign record: start a new upload (the old one is aborted as stale after success)
        }
    }

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonConvert.SerializeObject(this, Formatting.Indented) + "\n");

    /// <summary>True when this record is for these bytes at this place, cut the same way.</summary>
    public bool Matches(string endpoint, string bucket, string key, long size, long partSize, string sha256) =>
        Endpoint == endpoint && Bucket == bucket && Key == key && Size == size && PartSize == partSize && Sha256 == sha256;
}
