using System.Diagnostics;
using GpuImageBuilder.Build.Services.Images;
using GpuImageBuilder.Build.Services.Processes;

// Usage: ImageBench <qcow2> <raw>   — ConvertRaw + Checksum exactly as the build runs them; prints seconds and the hash.
//        ImageBench smoke ...           — smoke boots in a loop (bench/smoke-stall.sh): see SmokeLoop.cs.
//        ImageBench upload|proxy ...    — bench/upload.sh: the build's uploader and the tests' byte-counting proxy (UploadBench.cs).
if (args.Length > 0 && args[0] == "smoke")
{
    return await GpuImageBuilder.Bench.SmokeLoop.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "upload")
{
    return await GpuImageBuilder.Bench.UploadBench.UploadAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "proxy")
{
    return await GpuImageBuilder.Bench.UploadBench.ProxyAsync(args[1..]);
}

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: ImageBench <qcow2> <raw>");
    return 64;
}

var qcow2 = args[0];
var raw = args[1];
var size = await new RawImage(new CommandRunner()).CheckQcow2Async(qcow2);
var watch = Stopwatch.StartNew();
await new RawImage(new CommandRunner()).ConvertAsync(qcow2, raw, size);
var converted = watch.Elapsed;
var sha = ImageHasher.Sha256(raw);
Console.WriteLine($"convert {converted.TotalSeconds:0.000} hash {(watch.Elapsed - converted).TotalSeconds:0.000} total {watch.Elapsed.TotalSeconds:0.000} sha256 {sha}");
return 0;
