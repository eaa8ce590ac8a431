using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.S3;

/// <summary>
/// What the upload engine may rely on from a real S3-compatible server (Ceph RGW 16.2 on 127.0.0.1, through the
/// SDK settings of <see cref="CephRgw.Config"/>): single puts with metadata, multipart with ListParts,
/// UploadPartCopy by range, public-read with anonymous range GETs, presigned GETs, and credential errors.
/// </summary>
[TestFixture]
[Category("S3")]
public sealed class CephRgwTests
{
    private const int MiB = 1 << 20;

    private CephRgw _rgw = null!;
    private AmazonS3Client _s3 = null!;
    private string _bucket = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _rgw = await CephRgw.Shared();
        _s3 = _rgw.Client();
        _bucket = await _rgw.CreateBucketAsync("rgw-tests");
    }

    [OneTimeTearDown]
    public void Stop() => _s3?.Dispose();

    private static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private async Task<byte[]> GetAsync(string key)
    {
        using var response = await _s3.GetObjectAsync(_bucket, key);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private Task PutAsync(string key, byte[] data, S3CannedACL? acl = null) =>
        _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, InputStream = new MemoryStream(data), CannedACL = acl });

    [Test]
    public async Task A_put_object_reads_back_byte_for_byte_with_its_metadata()
    {
        var data = Bytes(3 * MiB + 17, 1);
        var sha = Convert.ToHexStringLower(SHA256.HashData(data));
        var put = new PutObjectRequest { BucketName = _bucket, Key = "single/object.raw", InputStream = new MemoryStream(data) };
        put.Metadata["sha256"] = sha;
        await _s3.PutObjectAsync(put);

        Assert.That(await GetAsync("single/object.raw"), Is.EqualTo(data));
        var head = await _s3.GetObjectMetadataAsync(_bucket, "single/object.raw");
        Assert.That(head.ContentLength, Is.EqualTo(data.Length));
        Assert.That(head.Metadata["x-amz-meta-sha256"], Is.EqualTo(sha), "RGW ignores x-amz-checksum-sha256; the engine keeps the hash in metadata");
    }

    [Test]
    public async Task A_two_part_multipart_upload_lists_its_parts_and_completes_to_the_concatenation()
    {
        const string key = "multipart/two-parts.raw";
        var part1 = Bytes(5 * MiB, 2);
        var part2 = Bytes(MiB + 3, 3);
        var init = await _s3.InitiateMultipartUploadAsync(_bucket, key);

        var etags = new List<PartETag>();
        foreach (var (number, data) in new[] { (1, part1), (2, part2) })
        {
            var part = await _s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = _bucket, Key = key, UploadId = init.UploadId, PartNumber = number, InputStream = new MemoryStream(data),
            });
            etags.Add(new PartETag(number, part.ETag));
        }

        // What a resumed upload reads back to know which parts are there.
        var listed = await _s3.ListPartsAsync(new ListPartsRequest { BucketName = _bucket, Key = key, UploadId = init.UploadId });
        Assert.That(listed.Parts.Select(p => (p.PartNumber, p.Size, p.ETag)),
            Is.EqualTo(new[] { (1, (long?)part1.Length, etags[0].ETag), (2, (long?)part2.Length, etags[1].ETag) }));

        await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = init.UploadId, PartETags = etags });

        Assert.That(await GetAsync(key), Is.EqualTo(part1.Concat(part2).ToArray()));
        // CompleteMultipartUpload's own ETag is empty on RGW 16.2; HEAD has the multipart form.
        var head = await _s3.GetObjectMetadataAsync(_bucket, key);
        Assert.That(head.ETag, Does.EndWith("-2\""));
    }

    [Test]
    public async Task Upload_part_copy_with_a_source_range_copies_exactly_those_bytes()
    {
        var source = Bytes(8 * MiB, 4);
        await PutAsync("copy/source.raw", source);
        const string key = "copy/target.raw";
        var tail = Bytes(4096, 5);
        var init = await _s3.InitiateMultipartUploadAsync(_bucket, key);

        // Bytes 1 MiB .. 6 MiB-1 of the source (x-amz-copy-source-range: bytes=1048576-6291455) become part 1.
        var copied = await _s3.CopyPartAsync(new CopyPartRequest
        {
            SourceBucket = _bucket, SourceKey = "copy/source.raw", DestinationBucket = _bucket, DestinationKey = key,
            UploadId = init.UploadId, PartNumber = 1, FirstByte = MiB, LastByte = (6 * MiB) - 1,
        });
        var uploaded = await _s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = _bucket, Key = key, UploadId = init.UploadId, PartNumber = 2, InputStream = new MemoryStream(tail),
        });
        await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = _bucket, Key = key, UploadId = init.UploadId,
            PartETags = [new PartETag(1, copied.ETag), new PartETag(2, uploaded.ETag)],
        });

        Assert.That(await GetAsync(key), Is.EqualTo(source[MiB..(6 * MiB)].Concat(tail).ToArray()));
    }

    [Test]
    public async Task A_public_read_object_answers_an_anonymous_range_get_with_206_and_those_bytes()
    {
        var data = Bytes(MiB, 6);
        await PutAsync("public/disk.raw", data, S3CannedACL.PublicRead);
        await PutAsync("private/disk.raw", data);
        using var anonymous = new HttpClient();

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_rgw.Endpoint, $"{_bucket}/public/disk.raw"));
        request.Headers.Range = new RangeHeaderValue(0, 511);
        using var response = await anonymous.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(data[..512]));

        using var denied = await anonymous.GetAsync(new Uri(_rgw.Endpoint, $"{_bucket}/private/disk.raw"));
        Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "without the ACL an anonymous GET is refused");
    }

    [Test]
    public async Task A_presigned_get_works_and_a_tampered_one_is_403()
    {
        var data = Bytes(64 * 1024, 7);
        await PutAsync("presigned/object.raw", data);
        var url = await _s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = _bucket, Key = "presigned/object.raw", Verb = HttpVerb.GET, Protocol = Protocol.HTTP, Expires = DateTime.UtcNow.AddMinutes(10),
        });
        using var http = new HttpClient();

        using var ok = await http.GetAsync(url);
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await ok.Content.ReadAsByteArrayAsync(), Is.EqualTo(data));

        var signature = url.IndexOf("X-Amz-Signature=", StringComparison.Ordinal) + "X-Amz-Signature=".Length;
        var tampered = url[..signature] + (url[signature] == '0' ? '1' : '0') + url[(signature + 1)..];
        using var refused = await http.GetAsync(tampered);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task An_unknown_access_key_is_403_InvalidAccessKeyId()
    {
        using var client = _rgw.Client("AKIAUNKNOWNUNKNOWN00", _rgw.SecretKey);
        var e = await RefusedAsync(() => client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket }));
        Assert.That((e.StatusCode, e.ErrorCode), Is.EqualTo((HttpStatusCode.Forbidden, "InvalidAccessKeyId")));
    }

    [Test]
    public async Task A_wrong_secret_key_is_403_SignatureDoesNotMatch()
    {
        using var client = _rgw.Client(_rgw.AccessKey, "wrong" + _rgw.SecretKey[5..]);
        var e = await RefusedAsync(() => client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket }));
        Assert.That((e.StatusCode, e.ErrorCode), Is.EqualTo((HttpStatusCode.Forbidden, "SignatureDoesNotMatch")));
    }

    private static async Task<AmazonS3Exception> RefusedAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (AmazonS3Exception e)
        {
            return e;
        }

        Assert.Fail("the request was accepted");
        throw new InvalidOperationException();
    }
}
