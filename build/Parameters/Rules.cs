using System.Globalization;
using System.Text.RegularExpressions;

namespace GpuImageBuilder.Build.Parameters;

/// <summary>
/// Value formats the region service and the tools accept. Each returns null when the value is fine, else a reason.
/// The patterns for names, software versions and GPU models are the region service's own.
/// Just over 200 lines: one small rule per value format, kept side by side so every format is read in one place.
/// </summary>
public static partial class Rules
{
    /// <summary>Image names the region service accepts (1–63 characters).</summary>
    [GeneratedRegex("^[0-9A-Za-z](?:[0-9A-Za-z-_.]{0,61}[0-9A-Za-z])?$")]
    public static partial Regex ResourceName();

    /// <summary>The region's pattern for <c>softwareVersions</c> values.</summary>
    [GeneratedRegex(@"^v\d+\.\d+\.\d+$")]
    public static partial Regex SoftwareVersion();

    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    public static partial Regex GpuModel();

    [GeneratedRegex(@"^\d+\.\d+\.\d+$")]
    private static partial Regex DriverVersion();

    [GeneratedRegex(@"^\d+\.\d+\.\d+(-\d+)?$")]
    private static partial Regex ToolkitVersion();

    [GeneratedRegex(@"^\d{2}\.\d{2}$")]
    private static partial Regex UbuntuVersion();

    [GeneratedRegex("^[a-z]+$")]
    private static partial Regex Codename();

    // Digit counts are bounded so that a value that matches always parses (no overflow past the rule).
    [GeneratedRegex(@"^(\d{1,9})([MG])$")]
    private static partial Regex Size();

    [GeneratedRegex(@"^(?:(\d{1,4})h)?(?:(\d{1,6})m)?(?:(\d{1,8})s)?$")]
    private static partial Regex Duration();

    [GeneratedRegex("^(sha256:)?[0-9a-f]{64}$")]
    private static partial Regex Sha256();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();

    [GeneratedRegex("^[a-z0-9-]+$")]
    private static partial Regex AwsRegion();

    public static string? Kubernetes(string v) =>
        SoftwareVersion().IsMatch(v) ? null : "not a version like v1.30.14";

    public static string? NvidiaDriver(string v) =>
        DriverVersion().IsMatch(v) ? null : "not a full driver version like 565.57.01";

    public static string? Toolkit(string v) =>
        ToolkitVersion().IsMatch(v) ? null : "not a version like 1.17.8";

    public static string? Ubuntu(string v) => UbuntuVersion().IsMatch(v) ? null : "not a version like 22.04";

    public static string? UbuntuCodename(string v) => Codename().IsMatch(v) ? null : "not a codename like jammy";

    public static string? KernelModules(string v) =>
        v is "open" or "proprietary" ? null : "must be open or proprietary";

    public static string? GpuModels(string v)
    {
        var models = SplitList(v);
        if (models.Count == 0)
        {
            return "no GPU model given";
        }

        var bad = models.Where(m => !GpuModel().IsMatch(m)).ToList();
        return bad.Count == 0 ? null : $"'{string.Join("', '", bad)}' may contain only letters, digits and _";
    }

    public static string? ImageVersion(string v) =>
        v.Length is > 0 and <= 40 && ResourceName().IsMatch("x-" + v) ? null : "may contain letters, digits, '-', '_' and '.', at most 40 characters";

    public static string? NotEmpty(string v) => string.IsNullOrWhiteSpace(v) ? "is empty" : null;

    public static string? Accelerator(string v) => v is "auto" or "kvm" or "tcg" ? null : "must be auto, kvm or tcg";

    public static string? MemoryMiB(string v) =>
        TryParseCount(v, out var m) && m is >= 512 and <= 1048576 ? null : "not a number of MiB between 512 and 1048576";

    public static string? Cpus(string v) => TryParseCount(v, out var c) && c is >= 1 and <= 256 ? null : "not a CPU count between 1 and 256";

    /// <summary>Plain decimal digits only (no sign, spaces or separators): what the rules accept is what is parsed.</summary>
    public static bool TryParseCount(string v, out int value) =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public static string? DiskSize(string v)
    {
        var m = Size().Match(v);
        if (!m.Success)
        {
            return "not a size like 8G or 8192M";
        }

        return DiskSizeBytes(v) < 1024L * 1024 * 1024 ? "smaller than 1G" : null;
    }

    /// <summary>The size in bytes of a value that passed <see cref="DiskSize"/>.</summary>
    public static long DiskSizeBytes(string v)
    {
        var m = Size().Match(v);
        return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1024L * 1024L * (m.Groups[2].Value == "G" ? 1024 : 1);
    }

    public static string? PackerDuration(string v) =>
        v.Length > 0 && Duration().IsMatch(v) && ParseDuration(v) > TimeSpan.Zero ? null : "not a duration like 90m or 2h";

    /// <summary>The length of a value that passed <see cref="PackerDuration"/>.</summary>
    public static TimeSpan ParseDuration(string v)
    {
        var m = Duration().Match(v);
        long Part(int g) => m.Groups[g].Success ? long.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture) : 0;
        return TimeSpan.FromSeconds((Part(1) * 3600) + (Part(2) * 60) + Part(3));
    }

    public static string? Checksum(string v) =>
        Sha256().IsMatch(v.ToLowerInvariant()) ? null : "not a SHA-256 like sha256:<64 hex digits>";

    /// <summary>
    /// A URL is Packer's to fetch; a local file is checked here, so that a wrong path is one line before the build
    /// rather than a Packer error minutes into it. (On Unix an absolute path parses as a file:// URI: check it too.)
    /// </summary>
    public static string? BaseImage(string v)
    {
        if (Uri.TryCreate(v, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri.Host.Length > 0 ? null : "not an http(s) URL";
        }

        if (uri is { IsFile: true })
        {
            return File.Exists(uri.LocalPath) ? null : $"no such file '{uri.LocalPath}'";
        }

        if (uri is not null)
        {
            return $"'{uri.Scheme}:' is neither http(s) nor a local file";
        }

        return File.Exists(v) ? null : $"no such file '{Path.GetFullPath(v)}'";
    }

    public static string? HttpUrl(string v) =>
        Uri.TryCreate(v, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0
            ? null
            : "not an http(s) URL";

    /// <summary>The region API carries a bearer token: https only, except to this machine (tests, tunnels).</summary>
    public static string? RegionUrl(string v)
    {
        if (!Uri.TryCreate(v, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return "not a URL";
        }

        return uri.Scheme == "https" || (uri.Scheme == "http" && uri.IsLoopback)
            ? null
            : "must be https (http only for 127.0.0.1/localhost)";
    }

    public static string? Uuid(string v) =>
        Guid.TryParseExact(v, "D", out _) ? null : "not a UUID";

    public static string? Bucket(string v) => BucketName().IsMatch(v) ? null : "not an S3 bucket name (3–63 lower-case letters, digits, '.', '-')";

    public static string? Region(string v) => AwsRegion().IsMatch(v) ? null : "not a region name like us-east-1";

    public static string? Prefix(string v) =>
        v.StartsWith('/') || v.Contains("..") ? "must be relative (no leading '/', no '..')" : null;

    public static string? Token(string v) =>
        v.Any(char.IsWhiteSpace) ? "contains whitespace: paste the token exactly" : null;

    public static string? Boolean(string v) => TryParseBoolean(v, out _) ? null : "not true or false";

    public static bool TryParseBoolean(string v, out bool value)
    {
        switch (v.Trim().ToLowerInvariant())
        {
            case "true" or "1" or "yes" or "on" or "":
                value = true;
                return true;
            case "false" or "0" or "no" or "off":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    public static IReadOnlyList<string> SplitList(string v) =>
        v.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string? Any(string v) => null;

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.:%\[\]-]*$")]
    private static partial Regex HostName();

    [GeneratedRegex(@"^[a-z_][a-z0-9_.-]{0,31}$")]
    private static partial Regex UserName();

    [GeneratedRegex(@"^(http://)?[A-Za-z0-9.-]+(:\d{1,5})?(/[a-z0-9._/-]+)?$")]
    private static partial Regex Registry();

    /// <summary>A host for ssh: never starting with '-' (it would be read as an option).</summary>
    public static string? SshHost(string v) => HostName().IsMatch(v) ? null : "not a host name, address or ssh config alias";

    public static string? SshUser(string v) => UserName().IsMatch(v) ? null : "not a user name like ubuntu";

    public static string? Port(string v) => TryParseCount(v, out var p) && p is >= 1 and <= 65535 ? null : "not a port from 1 to 65535";

    public static string? ExistingFile(string v) => File.Exists(v) ? null : $"no such file '{Path.GetFullPath(v)}'";

    /// <summary>A file this user can open for reading (its content is never read here: it may be a secret key).</summary>
    public static string? ReadableFile(string v)
    {
        if (ExistingFile(v) is { } missing)
        {
            return missing;
        }

        try
        {
            using var _ = File.OpenRead(v);
            return null;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return $"'{Path.GetFullPath(v)}' cannot be read ({ex.GetType().Name.Replace("Exception", string.Empty, StringComparison.Ordinal)})";
        }
    }

    public static string? RegistryAddress(string v) => Registry().IsMatch(v) ? null : "not a registry like registry.example.com:5000 or http://10.0.2.100:5000";

    public static string? ContainerEngine(string v) => v is "auto" or "podman" or "docker" ? null : "must be auto, podman or docker";

    /// <summary>Where images are pushed: host[:port][/path], no scheme (podman and docker take no URL), no tag.</summary>
    public static string? PushRegistry(string v) =>
        PushRegistryPattern().IsMatch(v) ? null : v.Contains("://", StringComparison.Ordinal) ? "has a scheme: give host:port[/path] (plain HTTP: --registry-tls-verify=false)" : "not a registry like 127.0.0.1:5000 or registry.example.com/gpu";

    public static string? RegistryUser(string v) => v.Length > 0 && !v.Any(c => char.IsWhiteSpace(c) || c == ':') ? null : "contains whitespace or ':'";

    [GeneratedRegex(@"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:]+\])(?::\d{1,5})?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")]
    private static partial Regex PushRegistryPattern();

    public static string? UrlMode(string v) => v is "public" or "presigned" ? null : "must be public or presigned";

    /// <summary>SigV4 presigned URLs live at most 7 days.</summary>
    public static string? PresignExpiry(string v) =>
        PackerDuration(v) ?? (ParseDuration(v) > TimeSpan.FromDays(7) ? "longer than SigV4's 7 days (168h)" : null);

    /// <summary>S3's multipart limits: parts of 5 MiB to 5 GiB.</summary>
    public static string? PartSize(string v)
    {
        if (!Size().IsMatch(v))
        {
            return "not a size like 64M";
        }

        var bytes = DiskSizeBytes(v);
        return bytes < 5L << 20 ? "smaller than S3's 5M minimum part" : bytes > 5L << 30 ? "larger than S3's 5G maximum part" : null;
    }

    public static string? Parallelism(string v) =>
        TryParseCount(v, out var n) && n is >= 1 and <= 32 ? null : "not a number from 1 to 32";
}
