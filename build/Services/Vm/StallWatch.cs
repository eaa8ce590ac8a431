using System.Diagnostics;

namespace GpuImageBuilder.Build.Services.Vm;

/// <summary>
/// Notices a VM that has stopped making progress: no new serial-console bytes and no new output line from the tool
/// driving it for <see cref="Limit"/>. Under TCG a guest can stop in early kernel boot and spin at full CPU forever
/// (issue 12), so "still running" says nothing; output is the only honest sign of life. When the limit passes,
/// <see cref="Token"/> is cancelled (the caller stops the VM with it) and <see cref="Stalled"/> says why.
/// </summary>
public sealed class StallWatch : IDisposable
{
    private readonly object _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stalled = new();
    private readonly List<string> _files = [];
    private readonly Dictionary<string, long> _lengths = new(StringComparer.Ordinal);
    private readonly Timer _timer;
    private TimeSpan _lastActivity;
    private bool _armed;
    private string? _lastSerialLine;
    private string? _lastToolLine;

    public StallWatch(TimeSpan limit, bool armed = true, TimeSpan? pollInterval = null)
    {
        Limit = limit;
        _armed = armed;
        var poll = pollInterval ?? TimeSpan.FromMilliseconds(Math.Clamp(limit.TotalMilliseconds / 10, 100, 1000));
        _timer = new Timer(_ => Check(), null, poll, poll);
    }

    /// <summary>How long a VM may go without output before it counts as stalled.</summary>
    public TimeSpan Limit { get; }

    /// <summary>Cancelled once the VM has stalled.</summary>
    public CancellationToken Token => _stalled.Token;

    public bool Stalled => _stalled.IsCancellationRequested;

    /// <summary>When the stall was noticed, measured from the watch's start.</summary>
    public TimeSpan StalledAt { get; private set; }

    /// <summary>The last line seen, for the report: the serial console's (where the guest stopped), else the tool's.</summary>
    public string LastLine
    {
        get
        {
            lock (_gate)
            {
                return _lastSerialLine ?? _lastToolLine ?? "(nothing yet)";
            }
        }
    }

    /// <summary>Counts growth of this file (a serial log) as progress; a file that does not exist yet is fine.</summary>
    public void WatchFile(string path)
    {
        lock (_gate)
        {
            _files.Add(path);
            _lengths[path] = Length(path);
        }
    }

    /// <summary>Starts or stops judging: a phase without a VM (download, conversion) cannot stall.</summary>
    public void Arm(bool armed)
    {
        lock (_gate)
        {
            _armed = armed;
            _lastActivity = _clock.Elapsed;
        }
    }

    /// <summary>A line of tool output: progress.</summary>
    public void Activity(string line)
    {
        lock (_gate)
        {
            _lastActivity = _clock.Elapsed;
            if (line.Trim().Length > 0)
            {
                _lastToolLine = Shorten(line.Trim());
            }
        }
    }

    private void Check()
    {
        lock (_gate)
        {
            if (_stalled.IsCancellationRequested)
            {
                return;
            }

            foreach (var file in _files)
            {
                var length = Length(file);
                if (length != _lengths[file])
                {
                    _lengths[file] = length;
                    _lastActivity = _clock.Elapsed;
                    if (SerialConsole.LastLine(file) is { } line)
                    {
                        _lastSerialLine = line;
                    }
                }
            }

            if (!_armed)
            {
                _lastActivity = _clock.Elapsed;
                return;
            }

            if (_clock.Elapsed - _lastActivity < Limit)
            {
                return;
            }

            StalledAt = _clock.Elapsed;
        }

        _stalled.Cancel();
    }

    private static long Length(string path)
    {
        try
        {
            return new FileInfo(path) is { Exists: true } info ? info.Length : -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static string Shorten(string line) => line.Length > 160 ? line[..160] : line;

    public void Dispose()
    {
        _timer.Dispose();
        _stalled.Dispose();
    }
}
