using System.Net;
using System.Net.Sockets;

namespace GpuImageBuilder.Build.Tests.Infrastructure;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a server (RGW): counts the bytes each way and the HTTP requests going up,
/// can limit the upload direction to a rate (a slow link, for bench/upload.sh: it compiles this file too), and can
/// drop every connection once a number of bytes went up, refusing all later ones until <see cref="Heal"/> (a link
/// that died mid-upload). Depends on nothing but the BCL.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private static readonly byte[] RequestLineEnd = " HTTP/1.1\r\n"u8.ToArray();

    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<Socket> _open = [];
    private readonly Task _accepting;
    private long _up;
    private long _down;
    private int _requests;
    private int _connections;
    private DateTime _nextSend = DateTime.MinValue;
    private volatile bool _dead;

    /// <param name="target">The server's URL (host must be an IP address: this proxies 127.0.0.1 only).</param>
    /// <param name="bytesPerSecond">Upload-direction rate limit, shared by all connections; null for none.</param>
    /// <param name="dropAfterUploadedBytes">Close every connection (and refuse new ones) once this many bytes went up.</param>
    public TcpProxy(Uri target, long? bytesPerSecond = null, long? dropAfterUploadedBytes = null)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        BytesPerSecond = bytesPerSecond;
        DropAfterUploadedBytes = dropAfterUploadedBytes;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(512);
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    public Uri Endpoint { get; }

    public long? BytesPerSecond { get; set; }

    public long? DropAfterUploadedBytes { get; set; }

    /// <summary>Bytes from clients to the server.</summary>
    public long BytesUp => Interlocked.Read(ref _up);

    /// <summary>Bytes from the server to clients.</summary>
    public long BytesDown => Interlocked.Read(ref _down);

    /// <summary>HTTP/1.1 request lines seen going up.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>True once the drop threshold was passed.</summary>
    public bool Dropped => _dead;

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _up, 0);
        Interlocked.Exchange(ref _down, 0);
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _connections, 0);
    }

    /// <summary>Accepts connections again after a drop (and forgets the threshold).</summary>
    public void Heal()
    {
        DropAfterUploadedBytes = null;
        _dead = false;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            if (_dead)
            {
                client.LingerState = new LingerOption(true, 0); // RST: what a dead link looks like to the client
                client.Close();
                continue;
            }

            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
        }
        catch (Exception)
        {
            client.Close();
            return;
        }

        Track(client, server);
        try
        {
            var up = PumpAsync(client, server, upstream: true);
            var down = PumpAsync(server, client, upstream: false);
            await Task.WhenAny(up, down);
        }
        finally
        {
            Untrack(client, server);
            Close(client);
            Close(server);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool upstream)
    {
        var buffer = new byte[64 * 1024];
        var tail = 0; // how much of RequestLineEnd the previous buffer ended with
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (upstream)
                {
                    tail = CountRequestLines(buffer.AsSpan(0, n), tail);
                    await ThrottleAsync(n);
                    var total = Interlocked.Add(ref _up, n);
                    if (DropAfterUploadedBytes is { } limit && total >= limit)
                    {
                        DropAll();
                        return;
                    }
                }
                else
                {
                    Interlocked.Add(ref _down, n);
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested || _dead)
        {
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private int CountRequestLines(ReadOnlySpan<byte> data, int matched)
    {
        foreach (var b in data)
        {
            matched = b == RequestLineEnd[matched] ? matched + 1 : (b == RequestLineEnd[0] ? 1 : 0);
            if (matched == RequestLineEnd.Length)
            {
                Interlocked.Increment(ref _requests);
                matched = 0;
            }
        }

        return matched;
    }

    /// <summary>Reserves this chunk's slot on the shared schedule of the limited link and waits for it.</summary>
    private async Task ThrottleAsync(int bytes)
    {
        if (BytesPerSecond is not { } rate || rate <= 0)
        {
            return;
        }

        DateTime start;
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            start = _nextSend > now ? _nextSend : now;
            _nextSend = start + TimeSpan.FromSeconds((double)bytes / rate);
        }

        var wait = start - DateTime.UtcNow;
        if (wait > TimeSpan.FromMilliseconds(1))
        {
            await Task.Delay(wait, _stop.Token);
        }
    }

    private void DropAll()
    {
        _dead = true;
        lock (_gate)
        {
            foreach (var socket in _open)
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
                catch (Exception)
                {
                }

                Close(socket);
            }

            _open.Clear();
        }
    }

    private void Track(params Socket[] sockets)
    {
        lock (_gate)
        {
            _open.AddRange(sockets);
        }
    }

    private void Untrack(params Socket[] sockets)
    {
        lock (_gate)
        {
            foreach (var s in sockets)
            {
                _open.Remove(s);
            }
        }
    }

    private static void Close(Socket socket)
    {
        try
        {
            socket.Close();
        }
        catch (Exception)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropAll();
        try
        {
            await _accepting;
        }
        catch (Exception)
        {
        }

        _stop.Dispose();
    }
}
