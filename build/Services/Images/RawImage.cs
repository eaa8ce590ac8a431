using System.Buffers.Binary;
using GpuImageBuilder.Build.Services.Processes;
using Newtonsoft.Json.Linq;

namespace GpuImageBuilder.Build.Services.Images;

/// <summary>Facts about a checked raw disk.</summary>
public sealed record RawDiskFacts(long VirtualSize, long AllocatedBytes, int Partitions, string EspPartition);

/// <summary>
/// qcow2 → sparse raw, and the checks the region applies or relies on: the qcow2 is sound (<c>qemu-img check</c>),
/// the raw has the configured virtual size, the boot signature 55 AA at bytes 510–511 (the region reads bytes
/// 0–511 and refuses anything else), and a GPT with an EFI system partition (the cloud boots with UEFI).
/// </summary>
public sealed class RawImage(ICommandRunner runner)
{
    private static readonly Guid EfiSystemPartition = new("c12a7328-f81f-11d2-ba4b-00a0c93ec93b");

    public async Task<long> CheckQcow2Async(string qcow2, CancellationToken cancellation = default)
    {
        if (!File.Exists(qcow2))
        {
            throw new RawImageException($"{qcow2} does not exist: run BuildQcow2 first");
        }

        var check = await runner.RunAsync("qemu-img", ["check", "-f", "qcow2", qcow2], new CommandOptions { Timeout = TimeSpan.FromMinutes(10), Cancellation = cancellation });
        // qemu-img check: 0 clean, 1 not checkable (not qcow2, truncated), 2 corrupted, 3 leaked clusters only.
        switch (check.ExitCode)
        {
            case 0 or 3:
                break;
            case 2:
                throw new RawImageException($"{qcow2} is corrupted (qemu-img check: {Summary(check)}); delete it and rebuild with --force");
            default:
                throw new RawImageException($"{qcow2} is not a readable qcow2 (qemu-img check: {Summary(check)}); delete it and rebuild with --force");
        }

        var info = await runner.RunAsync("qemu-img", ["info", "--output=json", "-f", "qcow2", qcow2], new CommandOptions { Timeout = TimeSpan.FromMinutes(1), Cancellation = cancellation });
        if (!info.Succeeded)
        {
            throw new RawImageException($"{qcow2}: qemu-img info failed: {Summary(info)}");
        }

        return JObject.Parse(info.StdOut).Value<long>("virtual-size");
    }

    /// <summary>Converts to <paramref name="raw"/> through a temporary file; on any failure nothing is left behind.</summary>
    public async Task<RawDiskFacts> ConvertAsync(string qcow2, string raw, long expectedVirtualSize, CancellationToken cancellation = default)
    {
        var virtualSize = await CheckQcow2Async(qcow2, cancellation);
        if (virtualSize != expectedVirtualSize)
        {
            throw new RawImageException($"{qcow2} has a virtual size of {virtualSize} bytes, not the configured {expectedVirtualSize} (--disk-size); rebuild with --force");
        }

        var tmp = raw + ".tmp";
        File.Delete(tmp);
        try
        {
            // Raw output is sparse by default (-S 4k): zero runs become holes, not written bytes.
            var convert = await runner.RunAsync(
                "qemu-img",
                ["convert", "-f", "qcow2", "-O", "raw", qcow2, tmp],
                new CommandOptions { Timeout = TimeSpan.FromMinutes(30), Cancellation = cancellation });
            if (!convert.Succeeded)
            {
                throw new RawImageException($"qemu-img convert of {qcow2} failed: {Summary(convert)}");
            }

            var facts = Inspect(tmp, expectedVirtualSize);
            File.Move(tmp, raw, overwrite: true);
            return facts;
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    /// <summary>The checks on a raw disk, without converting anything.</summary>
    public static RawDiskFacts Inspect(string raw, long expectedVirtualSize)
    {
        var info = new FileInfo(raw);
        if (!info.Exists)
        {
            throw new RawImageException($"{raw} does not exist: run ConvertRaw");
        }

        if (info.Length != expectedVirtualSize)
        {
            throw new RawImageException($"{raw} is {info.Length} bytes, not the configured {expectedVirtualSize} (--disk-size): truncated or from another build; delete it and run ConvertRaw again");
        }

        using var handle = File.OpenHandle(raw, FileMode.Open, FileAccess.Read);
        var head = new byte[1024];
        var read = RandomAccess.Read(handle, head, 0);
        if (read < 1024 || head[510] != 0x55 || head[511] != 0xAA)
        {
            var found = read >= 512 ? $"{head[510]:X2} {head[511]:X2}" : "nothing";
            throw new RawImageException($"{raw} has no boot signature 55 AA at bytes 510-511 (found {found}); the region rejects such images: is it really a converted disk?");
        }

        // GPT header at LBA 1: "EFI PART", partition entries at a given LBA.
        if (!head.AsSpan(512, 8).SequenceEqual("EFI PART"u8))
        {
            throw new RawImageException($"{raw} has no GPT (no 'EFI PART' header at LBA 1); the region boots with UEFI and needs a GPT disk with an EFI system partition");
        }

        var entriesLba = BinaryPrimitives.ReadInt64LittleEndian(head.AsSpan(512 + 72));
        var entryCount = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(512 + 80));
        var entrySize = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(512 + 84));
        if (entrySize < 128 || entryCount is <= 0 or > 1024)
        {
            throw new RawImageException($"{raw}: the GPT header is damaged (entry size {entrySize}, count {entryCount})");
        }

        var entries = new byte[entryCount * entrySize];
        RandomAccess.Read(handle, entries, entriesLba * 512);
        var used = 0;
        string? esp = null;
        for (var i = 0; i < entryCount; i++)
        {
            var type = new Guid(entries.AsSpan(i * entrySize, 16));
            if (type == Guid.Empty)
            {
                continue;
            }

            used++;
            if (type == EfiSystemPartition && esp is null)
            {
                esp = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (esp is null)
        {
            throw new RawImageException($"{raw} has a GPT with {used} partitions but no EFI system partition; the image cannot boot with UEFI");
        }

        return new RawDiskFacts(info.Length, SparseFile.AllocatedBytes(raw), used, esp);
    }

    private static string Summary(CommandResult result) =>
        string.Join(" ", result.OutputLines.Take(3)) is { Length: > 0 } s ? s : $"exit code {result.ExitCode}";
}

public sealed class RawImageException(string message) : Exception(message);
