namespace GpuImageBuilder.RegionEmulator.Faults;

/// <summary>The kinds of trouble a client of the region must survive.</summary>
public enum FaultKind
{
    /// <summary>Answer 503 instead of handling the request.</summary>
    Unavailable,

    /// <summary>Answer 429 with Retry-After instead of handling the request.</summary>
    Throttle,

    /// <summary>Create the image, then drop the connection: the client never sees the POST's answer.</summary>
    DropAfterCreate,
}

/// <summary>A fault for the next Count requests, of one HTTP method or (Method null) any.</summary>
public sealed record Fault(FaultKind Kind, int Count, string? Method = null, int RetryAfterSeconds = 1);

/// <summary>Faults armed by startup options or the admin endpoint, each used up by the requests it hits.</summary>
public sealed class FaultInjector
{
    private readonly List<(Fault Fault, int Left)> _armed = [];
    private readonly Lock _gate = new();

    public void Arm(Fault fault)
    {
        if (fault.Count <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fault), "A fault needs a count of at least 1.");
        }

        lock (_gate)
        {
            _armed.Add((fault, fault.Count));
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _armed.Clear();
        }
    }

    /// <summary>The first armed fault of these kinds that applies to a request of this method, used up by one.</summary>
    public Fault? Take(string method, params FaultKind[] kinds)
    {
        lock (_gate)
        {
            for (var i = 0; i < _armed.Count; i++)
            {
                var (fault, left) = _armed[i];
                if (kinds.Contains(fault.Kind) && (fault.Method is null || string.Equals(fault.Method, method, StringComparison.OrdinalIgnoreCase)))
                {
                    if (left == 1)
                    {
                        _armed.RemoveAt(i);
                    }
                    else
                    {
                        _armed[i] = (fault, left - 1);
                    }

                    return fault;
                }
            }
        }

        return null;
    }

    /// <summary>Parses --fail-503=N[:METHOD], --throttle=N:SECONDS[:METHOD] and --drop-after-create=N values.</summary>
    public static Fault Parse(FaultKind kind, string value)
    {
        var parts = value.Split(':');
        if (!int.TryParse(parts[0], out var count) || count <= 0)
        {
            throw new FormatException($"fault count '{parts[0]}' is not a positive number");
        }

        return kind switch
        {
            FaultKind.Throttle when parts.Length >= 2 && int.TryParse(parts[1], out var seconds) && seconds >= 0 =>
                new Fault(kind, count, parts.Length > 2 ? parts[2] : null, seconds),
            FaultKind.Throttle => throw new FormatException($"--throttle '{value}' is not N:SECONDS[:METHOD]"),
            FaultKind.DropAfterCreate => new Fault(kind, count, "POST"),
            _ => new Fault(kind, count, parts.Length > 1 ? parts[1] : null),
        };
    }
}
