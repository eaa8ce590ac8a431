using System.Net;
using System.Net.Http.Headers;
using GpuImageBuilder.RegionEmulator.Api;

namespace GpuImageBuilder.RegionEmulator.Import;

/// <summary>
/// The service's check before it creates anything (validateImage): GET spec.uri with Range bytes=0-511 and require
/// a master boot record signature, 55 AA at offset 510, since only raw images are accepted. The answers and their
/// status codes are the handler's.
/// </summary>
public sealed class BootSectorProbe(HttpClient http)
{
    private const int SectorSize = 512;

    /// <summary>Null when the URL serves a boot sector; otherwise the error answer the service gives.</summary>
    public async Task<IResult?> CheckAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Range = new RangeHeaderValue(0, SectorSize - 1);
        HttpResponseMessage response;
        try
        {
            // Headers only: a server that ignores Range would otherwise send the whole image.
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return RegionErrors.Unprocessable("Image read failed, please ensure the URL is correct");
        }

        using (response)
        {
            if ((int)response.StatusCode / 100 != 2)
            {
                return RegionErrors.Unprocessable("Image read failed with an incorrect status code, please ensure the URL is correct");
            }

            var sector = await ReadSectorAsync(response, cancellationToken);
            if (sector is null)
            {
                return response.StatusCode == HttpStatusCode.PartialContent
                    ? RegionErrors.BadRequest("Unable to peek image header, incorrect response size for range")
                    : RegionErrors.Unprocessable("Unable to peek image header, response too small");
            }

            return sector[510] == 0x55 && sector[511] == 0xAA
                ? null
                : RegionErrors.Unprocessable("Image does not contain a valid master boot record, ensure the image is in raw format");
        }
    }

    // A 206 must be exactly the 512 bytes asked for; a 200 is read only as far as its first 512 bytes.
    private static async Task<byte[]?> ReadSectorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[SectorSize + 1];
        var limit = response.StatusCode == HttpStatusCode.PartialContent ? buffer.Length : SectorSize;
        var read = 0;
        try
        {
            while (read < limit)
            {
                var n = await body.ReadAsync(buffer.AsMemory(read, limit - read), cancellationToken);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return null;
        }

        return read == SectorSize ? buffer[..SectorSize] : null;
    }
}
