using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Services.Region;

namespace GpuImageBuilder.Build.Services.Register;

/// <summary>
/// --dry-run for Register: every request it would send, in order, as it would send it (method, full URL, headers
/// with the token as [REDACTED], the JSON body), and nothing is sent. A presigned URL's query is not made at all.
/// </summary>
public sealed class RegisterDryRun(RegisterOptions options, IBuildLog log)
{
    public void Print(string image, ImagePayload payload)
    {
        var routes = new RegionRoutes(options.Region);
        var name = payload.Metadata.Name;
        var shown = options.UrlMode == ObjectUrlMode.Presigned
            ? payload with { Spec = payload.Spec with { Uri = new Uri(payload.Spec.Uri.GetLeftPart(UriPartial.Path) + "?X-Amz-Signature=[REDACTED]") } }
            : payload;
        var lookup = routes.ListImages(ImageScope.Owned);
        var create = routes.CreateImage(name, RegionJson.Write(shown, indented: true));
        log.Information($"{image}: dry run: Register would send these requests (nothing is sent):");
        log.Information($"1. look up owned images named {name}:\n{lookup.Describe()}");
        if (options.Wait.Replace)
        {
            log.Information($"   (--{Arg.Replace}: each owned {name} with other content would be deleted first: DELETE {routes.DeleteImage(name, "{imageID}").Url.AbsoluteUri.Replace("%7BimageID%7D", "{imageID}")})");
        }

        log.Information($"2. unless an image with this content is there already, create it:\n{create.Describe()}");
        if (options.UrlMode == ObjectUrlMode.Presigned)
        {
            log.Information($"   (spec.uri would be a presigned GET URL valid {options.PresignExpiry}, made when it is sent; its query string is a secret)");
        }

        log.Information($"3. then every {options.Wait.PollInterval} until ready (at most {options.Wait.Timeout}):\n{lookup.Describe()}");
    }
}
