namespace GpuImageBuilder.RegionEmulator.Access;

/// <summary>The region:images permissions the service checks per organization (rbac.AllowOrganizationScopeID).</summary>
[Flags]
public enum ImagePermission
{
    None = 0,
    Read = 1,
    Create = 2,
    Delete = 4,
    All = Read | Create | Delete,
}

/// <summary>
/// Which service-account tokens exist and what each may do in which organization. Written on the command line as
/// TOKEN:ORG1,ORG2=read,ORG3=read+delete (an organization without '=' gets every image permission), so that
/// "lists images in v2 but may not create them in v1" is one flag.
/// </summary>
public sealed class TokenGrants
{
    private readonly Dictionary<string, Dictionary<string, ImagePermission>> _byToken;

    private TokenGrants(Dictionary<string, Dictionary<string, ImagePermission>> byToken) => _byToken = byToken;

    public static TokenGrants None { get; } = new([]);

    public bool IsKnown(string token) => _byToken.ContainsKey(token);

    public ImagePermission For(string token, string organizationId) =>
        _byToken.TryGetValue(token, out var orgs) && orgs.TryGetValue(organizationId, out var permission)
            ? permission
            : ImagePermission.None;

    public bool Allows(string token, string organizationId, ImagePermission needed) => (For(token, organizationId) & needed) == needed;

    /// <summary>Parses each --token value; throws FormatException naming the bad value and the expected form.</summary>
    public static TokenGrants Parse(IEnumerable<string> specs)
    {
        var byToken = new Dictionary<string, Dictionary<string, ImagePermission>>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            var colon = spec.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == spec.Length - 1)
            {
                throw new FormatException($"--token '{Redacted(spec)}' is not TOKEN:ORG[,ORG=read+create+delete...]");
            }

            var token = spec[..colon];
            var orgs = byToken.TryGetValue(token, out var existing) ? existing : byToken[token] = new(StringComparer.Ordinal);
            foreach (var entry in spec[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var (org, permission) = ParseEntry(entry, spec);
                orgs[org] = permission;
            }
        }

        return new TokenGrants(byToken);
    }

    private static (string Org, ImagePermission Permission) ParseEntry(string entry, string spec)
    {
        var equals = entry.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            return (entry, ImagePermission.All);
        }

        var permission = ImagePermission.None;
        foreach (var word in entry[(equals + 1)..].Split('+', StringSplitOptions.RemoveEmptyEntries))
        {
            permission |= word switch
            {
                "read" => ImagePermission.Read,
                "create" => ImagePermission.Create,
                "delete" => ImagePermission.Delete,
                _ => throw new FormatException(
                    $"--token '{Redacted(spec)}': unknown permission '{word}' (read, create, delete joined by '+')"),
            };
        }

        return (entry[..equals], permission);
    }

    // An error message must not print the secret half of what it complains about.
    private static string Redacted(string spec)
    {
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? "[REDACTED]" : "[REDACTED]" + spec[colon..];
    }
}
