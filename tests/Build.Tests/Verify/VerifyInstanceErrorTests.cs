using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services.GpuValidation;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Verify;

/// <summary>
/// VerifyInstance's connection errors through the real build host and the real OpenSSH client on 127.0.0.1, no VM:
/// a closed port, a file that is not a key, a server that accepts and never speaks. Each is one clear error line
/// and a non-zero exit; the timeout comes within --ssh-timeout.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class VerifyInstanceErrorTests
{
    private static HostRunner Sandbox(out string[] arguments, int port, string? key = null, string timeout = "3s")
    {
        var host = new HostRunner();
        host.WriteFile("scripts/06-verify-nvidia.sh", File.ReadAllText(RepoPaths.InRepo("scripts", "06-verify-nvidia.sh")));
        host.WriteFile("payload.json", File.ReadAllText(RepoPaths.InRepo("payloads", "nvidia-firmware1.json")));
        var lockFile = VerifyFixtures.Lock();
        ValidationImageFiles.WriteLock(host.PathOf("images.lock.json"), lockFile);
        ValidationImageFiles.WriteManifest(host.PathOf("workloads.json"), VerifyFixtures.Manifest(lockFile));
        arguments =
        [
            "--target=VerifyInstance",
            $"--{Arg.InstanceHost}=127.0.0.1",
            $"--{Arg.SshPort}={port}",
            $"--{Arg.InstanceUser}=ubuntu",
            $"--{Arg.SshTimeout}={timeout}",
            // Never the developer's own ~/.ssh/known_hosts.
            $"--{Arg.SshKnownHosts}={host.PathOf("known_hosts")}",
            $"--{Arg.ImagePayload}={host.PathOf("payload.json")}",
            $"--{Arg.ValidationImagesLock}={host.PathOf("images.lock.json")}",
            $"--{Arg.WorkloadManifest}={host.PathOf("workloads.json")}",
            .. key is null ? Array.Empty<string>() : [$"--{Arg.SshKey}={key}"],
        ];
        return host;
    }

    /// <summary>A port nothing listens on: bound, then released.</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string OneErrorLine(HostResult result)
    {
        Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.ToString());
        var errors = result.Output.Split('\n').Where(l => l.StartsWith("Error: ", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Has.Count.EqualTo(1), result.ToString());
        Assert.That(result.Output, Does.Not.Contain("   at "), "no stack trace");
        return errors[0];
    }

    [Test]
    public void A_closed_port_is_one_line_naming_host_and_port()
    {
        var port = ClosedPort();
        using var host = Sandbox(out var args, port);
        var error = OneErrorLine(host.Run(args));
        Assert.That(error, Is.EqualTo($"Error: 127.0.0.1:{port} refused the connection: no SSH server there (still booting? check --{Arg.InstanceHost} and --{Arg.SshPort})"));
    }

    [Test]
    public void A_file_that_is_not_a_private_key_is_refused_before_connecting()
    {
        using var dir = new TempDir();
        var key = dir.File("id_ed25519.pub");
        File.WriteAllText(key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm7a1p1Qx9Xn0m7L2m3k4j5h6g7f8d9s0a1q2w3e4r5 user@host\n");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var host = Sandbox(out var args, ClosedPort(), key);
        var error = OneErrorLine(host.Run(args));
        Assert.That(error, Is.EqualTo($"Error: --{Arg.SshKey} {key}: not a private key file (no -----BEGIN ... PRIVATE KEY----- armour): pass the private key, not the .pub file"));
        Assert.That(error, Does.Not.Contain("AAAAC3Nza"), "nothing of the key file is printed");
    }

    [Test]
    public void A_private_key_others_can_read_is_refused_with_the_fix()
    {
        using var dir = new TempDir();
        var key = dir.File("id_ed25519");
        File.WriteAllText(key, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using var host = Sandbox(out var args, ClosedPort(), key);
        var error = OneErrorLine(host.Run(args));
        Assert.That(error, Is.EqualTo($"Error: --{Arg.SshKey} {key}: readable by other users, so ssh refuses it: chmod 600 {key}"));
    }

    [Test]
    public void A_server_that_never_speaks_times_out_within_the_ssh_timeout()
    {
        using var silent = new SilentServer();
        using var host = Sandbox(out var args, silent.Port, timeout: "3s");
        var clock = Stopwatch.StartNew();
        var result = host.Run(args);
        clock.Stop();
        var error = OneErrorLine(result);
        Assert.That(error, Does.StartWith($"Error: 127.0.0.1:{silent.Port} is unreachable: no SSH answer within 3 s (--{Arg.SshTimeout})"));
        Assert.That(silent.Accepted, Is.GreaterThan(0), "ssh did reach the listener: this is the banner timeout, not a refused connection");
        // 3 s of ssh plus the build host's own start; far below the 10 m command timeout it would otherwise wait.
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(40)), result.ToString());
    }

    /// <summary>Accepts TCP connections on 127.0.0.1 and never sends a byte (an SSH server that hangs before its banner).</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _held = [];
        private readonly CancellationTokenSource _stop = new();
        private int _accepted;

        public SilentServer()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = AcceptAsync();
        }

        public int Port { get; }

        public int Accepted => Volatile.Read(ref _accepted);

        private async Task AcceptAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    lock (_held)
                    {
                        _held.Add(socket);
                    }

                    Interlocked.Increment(ref _accepted);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (SocketException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_held)
            {
                _held.ForEach(s => s.Dispose());
            }

            _stop.Dispose();
        }
    }
}
