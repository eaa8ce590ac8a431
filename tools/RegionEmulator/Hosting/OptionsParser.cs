using System.Globalization;
using GpuImageBuilder.RegionEmulator.Access;
using GpuImageBuilder.RegionEmulator.Faults;
using GpuImageBuilder.RegionEmulator.Import;

namespace GpuImageBuilder.RegionEmulator.Hosting;

/// <summary>The command line: --name=value or --name value; every problem is reported together.</summary>
public static class OptionsParser
{
    public const string Usage = """
        RegionEmulator: the Nscale region image API on 127.0.0.1, for tests and local runs.
          --port=N                    TCP port (default 0: chosen by the system, printed as REGION_EMULATOR_URL=...)
          --token=TOKEN:ORG[,ORG...]  a service-account token and its organizations (repeatable); ORG=read,
                                      ORG=read+create, ... limits the image permissions in that organization
          --region=ID                 a region that exists (repeatable; default: any region ID)
          --import-delay=DURATION     time an image stays pending before its download starts (default 2s)
          --creating-delay=DURATION   least time an image stays creating (default 2s)
          --list-delay=DURATION       time before a new image appears in lists (default 0)
          --global-image=NAME         a ready global image (repeatable)
          --fail-503=N[:METHOD]       answer 503 to the next N API requests (of METHOD)
          --throttle=N:SECONDS[:METHOD]  answer 429 with Retry-After: SECONDS to the next N API requests
          --drop-after-create=N       create the next N images, then drop the connection instead of answering
        DURATION: 500ms, 2s, 1m or a number of seconds.
        """;

    public static EmulatorOptions Parse(IReadOnlyList<string> args)
    {
        var errors = new List<string>();
        var values = new List<(string Name, string Value)>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                errors.Add($"unexpected argument '{arg}'");
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                values.Add((arg[2..equals], arg[(equals + 1)..]));
            }
            else if (i + 1 < args.Count)
            {
                values.Add((arg[2..], args[++i]));
            }
            else
            {
                errors.Add($"--{arg[2..]} needs a value");
            }
        }

        var options = new EmulatorOptions();
        var tokens = new List<string>();
        var regions = new List<string>();
        var globals = new List<string>();
        var faults = new List<Fault>();
        var timing = options.Timing;
        foreach (var (name, value) in values)
        {
            try
            {
                switch (name)
                {
                    case "port": options = options with { Port = ParsePort(value) }; break;
                    case "token": tokens.Add(value); break;
                    case "region": regions.Add(value); break;
                    case "global-image": globals.Add(value); break;
                    case "import-delay": timing = timing with { Pending = ParseDuration(value) }; break;
                    case "creating-delay": timing = timing with { MinimumCreating = ParseDuration(value) }; break;
                    case "list-delay": options = options with { ListDelay = ParseDuration(value) }; break;
                    case "fail-503": faults.Add(FaultInjector.Parse(FaultKind.Unavailable, value)); break;
                    case "throttle": faults.Add(FaultInjector.Parse(FaultKind.Throttle, value)); break;
                    case "drop-after-create": faults.Add(FaultInjector.Parse(FaultKind.DropAfterCreate, value)); break;
                    default: errors.Add($"unknown option --{name}"); break;
                }
            }
            catch (FormatException e)
            {
                errors.Add($"--{name}: {e.Message}");
            }
        }

        TokenGrants grants = TokenGrants.None;
        try
        {
            grants = TokenGrants.Parse(tokens);
        }
        catch (FormatException e)
        {
            errors.Add(e.Message);
        }

        if (errors.Count > 0)
        {
            throw new FormatException(string.Join(Environment.NewLine, errors));
        }

        return options with { Tokens = grants, Regions = regions, GlobalImages = globals, Faults = faults, Timing = timing };
    }

    public static TimeSpan ParseDuration(string value)
    {
        var (number, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 0.001)
            : value.EndsWith('s') ? (value[..^1], 1.0)
            : value.EndsWith('m') ? (value[..^1], 60.0)
            : (value, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount < 0)
        {
            throw new FormatException($"'{value}' is not a duration (500ms, 2s, 1m)");
        }

        return TimeSpan.FromSeconds(amount * unit);
    }

    private static int ParsePort(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new FormatException($"'{value}' is not a port (0-65535)");
}
