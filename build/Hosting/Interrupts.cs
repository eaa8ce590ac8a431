using System.Runtime.InteropServices;
using Cake.Core.Diagnostics;

namespace GpuImageBuilder.Build.Hosting;

/// <summary>
/// Ctrl-C (SIGINT), <c>kill</c> and CI cancellation (SIGTERM) and a closed terminal (SIGHUP) all stop the child
/// processes (Packer, QEMU) and clean up, rather than dying mid-write and leaving a VM running; the build then exits
/// with <see cref="ExitCode"/>. A second signal is not intercepted: it terminates at once. (A SIGINT that was ignored
/// when the build started, as for a background job of a non-interactive shell, stays ignored: that is Unix's rule.)
/// </summary>
public static class Interrupts
{
    /// <summary>What a shell reports for a command stopped by Ctrl-C.</summary>
    public const int ExitCode = 130;

    private static readonly CancellationTokenSource Source = new();
    private static readonly Lock Gate = new();

    // Held for the life of the build: a registration that is collected or disposed stops intercepting its signal.
    private static PosixSignalRegistration[]? _registrations;

    /// <summary>Cancelled by the first signal.</summary>
    public static CancellationToken Token => Source.Token;

    public static bool Requested => Source.IsCancellationRequested;

    /// <summary>Starts intercepting the signals (once per process); <paramref name="log"/> says what happens.</summary>
    public static void Install(ICakeLog log)
    {
        lock (Gate)
        {
            _registrations ??= [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, signal => OnSignal(signal, log)))];
        }
    }

    /// <summary>The one error line of an interrupted task: the cleanup is done by the time it is printed.</summary>
    public static OperationCanceledException Stopped(OperationCanceledException cancelled) =>
        new($"Interrupted: {cancelled.Message}; child processes were stopped and nothing half-written was kept", cancelled, Token);

    /// <summary>The host's exit code, or <see cref="ExitCode"/> when the run was interrupted.</summary>
    public static int ExitCodeFor(int hostExitCode) => Requested && hostExitCode != 0 ? ExitCode : hostExitCode;

    private static void OnSignal(PosixSignalContext signal, ICakeLog log)
    {
        if (Source.IsCancellationRequested)
        {
            return;
        }

        signal.Cancel = true;
        try
        {
            log.Warning($"Interrupted ({signal.Signal}): stopping child processes and cleaning up (signal again to kill)...");
        }
        catch (IOException)
        {
            // SIGHUP: the terminal may already be gone; cleaning up matters more than saying so.
        }

        Source.Cancel();
    }
}
