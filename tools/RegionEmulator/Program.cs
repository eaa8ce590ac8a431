using GpuImageBuilder.RegionEmulator.Hosting;

// The region emulator's command line: parse, start on 127.0.0.1, print where, serve until SIGINT/SIGTERM.
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(OptionsParser.Usage);
    return 0;
}

EmulatorOptions options;
try
{
    options = OptionsParser.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"RegionEmulator: {e.Message}");
    Console.Error.WriteLine("Run with --help for the options.");
    return 2;
}

await using var host = await EmulatorHost.StartAsync(options);
// One line a script can read (sed -n 's/^REGION_EMULATOR_URL=//p'), before any request line.
Console.WriteLine($"REGION_EMULATOR_URL={host.BaseUrl.ToString().TrimEnd('/')}");
Console.Out.Flush();
await host.WaitForShutdownAsync();
return 0;
