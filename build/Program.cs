using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Hosting;
using GpuImageBuilder.Build.Parameters;
using Microsoft.Extensions.DependencyInjection;

namespace GpuImageBuilder.Build;

public static class Program
{
    public static int Main(string[] args) => Run(CreateHost(), args);

    /// <summary>Runs the host; an interrupted run exits with <see cref="Interrupts.ExitCode"/>.</summary>
    public static int Run(CakeHost host, string[] args) => Interrupts.ExitCodeFor(host.Run(args));

    /// <summary>The build's host, with this assembly's tasks whoever the entry assembly is (a test host adds its own).</summary>
    public static CakeHost CreateHost()
    {
        RepositoryRoot.EnterRepositoryRoot();
        HostConsole.NoColourWhenRedirected();
        return new CakeHost()
            .AddAssembly(typeof(Program).Assembly)
            .UseContext<BuildContext>()
            .UseLifetime<BuildLifetime>()
            .ConfigureServices(services => services
                .AddSingleton<ICakeLog>(sp => new RedactingLog(new CakeBuildLog(sp.GetRequiredService<IConsole>())))
                .AddBuildServices())
            .UseHelpText(_ => ParameterCatalog.HelpText());
    }
}
