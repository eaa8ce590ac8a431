using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Tests.Infrastructure;

/// <summary>Small real disk images made with the real tools (truncate, sgdisk, qemu-img).</summary>
public static class Disks
{
    public const long Size = 64L * 1024 * 1024;

    private static readonly CommandRunner Runner = new();

    /// <summary>A sparse raw disk with a GPT: partition 1 is an EFI system partition (or Linux data, if <paramref name="esp"/> is false).</summary>
    public static async Task<string> GptRawAsync(string path, bool esp = true, long size = Size)
    {
        await using (var f = File.Create(path))
        {
            f.SetLength(size);
        }

        await Run("sgdisk", "-o", "-n1:2048:+16M", $"-t1:{(esp ? "ef00" : "8300")}", "-n2:0:0", "-t2:8300", path);

        // Some data past the partition table, so the image is not all holes.
        await using (var f = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            f.Seek(40L * 1024 * 1024, SeekOrigin.Begin);
            var data = new byte[3 * 1024 * 1024];
            new Random(42).NextBytes(data);
            await f.WriteAsync(data);
        }

        return path;
    }

    public static async Task<string> Qcow2FromRawAsync(string raw, string qcow2)
    {
        await Run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, qcow2);
        return qcow2;
    }

    public static async Task<CommandResult> Run(string tool, params string[] args)
    {
        var result = await Runner.RunAsync(tool, args, new CommandOptions { Timeout = TimeSpan.FromMinutes(2) });
        Assert.That(result.ExitCode, Is.Zero, $"test setup: {tool} {string.Join(' ', args)}\n{result.StdOut}{result.StdErr}");
        return result;
    }
}
