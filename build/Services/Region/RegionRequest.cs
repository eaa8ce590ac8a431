using System.Net.Http.Headers;
using System.Text;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Services.Region;

/// <summary>What one call to the region is: the operation (for error lines), method, full URL and JSON body.</summary>
/// <param name="Operation">What the call does, for messages ("create image gpu-ready-v1").</param>
public sealed record RegionRequest(RegionOperation Kind, string Operation, HttpMethod Method, Uri Url, string? Body)
{
    public const string UserAgentProduct = "gpu-image-builder";

    /// <summary>A fresh message for one attempt (a sent HttpRequestMessage cannot be sent again).</summary>
    public HttpRequestMessage ToMessage(RegionCredentials credentials)
    {
        var message = new HttpRequestMessage(Method, Url);
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credentials.Token);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        message.Headers.UserAgent.Add(new ProductInfoHeaderValue(UserAgentProduct, null));
        if (Body is not null)
        {
            message.Content = new StringContent(Body, Encoding.UTF8, "application/json");
        }

        return message;
    }

    /// <summary>
    /// The request as text for --dry-run: method, URL, every header (the token as [REDACTED]) and the body.
    /// <paramref name="redactedBody"/> replaces the body when it holds a secret (a presigned URL).
    /// </summary>
    public string Describe(string? redactedBody = null)
    {
        var sb = new StringBuilder();
        sb.Append(Method.Method).Append(' ').Append(Url.AbsoluteUri).Append('\n');
        sb.Append("  Authorization: Bearer [REDACTED]\n");
        sb.Append("  Accept: application/json\n");
        sb.Append("  User-Agent: ").Append(UserAgentProduct).Append('\n');
        if ((redactedBody ?? Body) is { } body)
        {
            sb.Append("  Content-Type: application/json; charset=utf-8\n");
            sb.Append(string.Join('\n', body.Split('\n').Select(l => "  " + l))).Append('\n');
        }

        return sb.ToString().TrimEnd('\n');
    }
}

/// <summary>The kinds of call, which decide how a refusal is explained and whether a retry is safe.</summary>
public enum RegionOperation
{
    ListImages,
    ListReadyImages,
    CreateImage,
    DeleteImage,
}

/// <summary>The region's image routes (contracts/region/): URLs built in one place from the checked settings.</summary>
public sealed class RegionRoutes(RegionSettings region)
{
    public RegionSettings Region { get; } = region;

    private string V1Images => $"api/v1/organizations/{Region.OrganizationId}/regions/{Region.RegionId}/images";

    /// <summary><c>GET /api/v2/regions/{region}/images?organizationID=..&amp;scope=..</c>.</summary>
    public RegionRequest ListImages(ImageScope scope) => new(
        RegionOperation.ListImages,
        $"list {scope.ToString().ToLowerInvariant()} images",
        HttpMethod.Get,
        new Uri(Region.BaseUrl, $"api/v2/regions/{Region.RegionId}/images?organizationID={Region.OrganizationId}&scope={scope.ToString().ToLowerInvariant()}"),
        null);

    /// <summary>The hidden v1 list (ready images the organization may use): it checks the organization's read permission.</summary>
    public RegionRequest ListReadyImages() =>
        new(RegionOperation.ListReadyImages, "list ready images (v1)", HttpMethod.Get, new Uri(Region.BaseUrl, V1Images), null);

    /// <summary><c>POST /api/v1/organizations/{org}/regions/{region}/images</c> with an <c>imageCreate</c> body.</summary>
    public RegionRequest CreateImage(string name, string body) =>
        new(RegionOperation.CreateImage, $"create image {name}", HttpMethod.Post, new Uri(Region.BaseUrl, V1Images), body);

    /// <summary><c>DELETE /api/v1/organizations/{org}/regions/{region}/images/{imageID}</c>.</summary>
    public RegionRequest DeleteImage(string name, string id) =>
        new(RegionOperation.DeleteImage, $"delete image {name} ({id})", HttpMethod.Delete, new Uri(Region.BaseUrl, $"{V1Images}/{Uri.EscapeDataString(id)}"), null);
}
