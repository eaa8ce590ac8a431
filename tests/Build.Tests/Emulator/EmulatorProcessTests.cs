using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace GpuImageBuilder.Build.Tests.Emulator;

/// <summary>The emulator as a person or script starts it: a process, port 0, the URL on one stdout line.</summary>
[TestFixture]
[Category("Emulator")]
public sealed class EmulatorProcessTests
{
    private const string Token = "process-secret-token";

    private static string EmulatorDll => Path.Combine(AppContext.BaseDirectory, "RegionEmulator.dll");

    [Test]
    public async Task Started_on_port_0_it_prints_its_url_serves_requests_and_logs_them_without_the_token()
    {
        using var process = Start("--port=0", $"--token={Token}:org-a", "--global-image=ubuntu", "--import-delay=100ms");
        var output = new List<string>();
        var url = await ReadUrlAsync(process, output);
        try
        {
            Assert.That(url.Host, Is.EqualTo("127.0.0.1"));
            using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(20) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            using var response = await client.GetAsync("/api/v2/regions/any-region/images?organizationID=org-a");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("\"ubuntu\""));
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        lock (output)
        {
            var all = string.Join('\n', output) + process.StandardError.ReadToEnd();
            Assert.That(all, Does.Contain("GET /api/v2/regions/any-region/images 200"));
            Assert.That(all, Does.Not.Contain(Token));
        }
    }

    [Test]
    public async Task Bad_options_exit_2_naming_each_problem_and_never_the_token()
    {
        using var process = Start("--port=99999", "--import-delay=soon", $"--token={Token}");
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.EqualTo(2), stderr);
        Assert.That(stderr, Does.Contain("--port").And.Contain("--import-delay").And.Contain("--token"));
        Assert.That(stderr, Does.Not.Contain(Token));
    }

    private static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(EmulatorDll);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        return Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static async Task<Uri> ReadUrlAsync(Process process, List<string> output)
    {
        var found = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                found.TrySetException(new InvalidOperationException("the emulator exited before printing its URL"));
                return;
            }

            lock (output)
            {
                output.Add(e.Data);
            }

            if (e.Data.StartsWith("REGION_EMULATOR_URL=", StringComparison.Ordinal))
            {
                found.TrySetResult(new Uri(e.Data["REGION_EMULATOR_URL=".Length..]));
            }
        };
        process.BeginOutputReadLine();
        return await found.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
