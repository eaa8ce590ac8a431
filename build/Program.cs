using Cake.Frosting;
using GpuImageBuilder.Build.Context;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build;

public static class Program
{
    public static int Main(string[] args)
    {
        RepositoryRoot.EnterRepositoryRoot();
        return new CakeHost()
            .UseContext<BuildContext>()
            .UseLifetime<BuildLifetime>()
            .UseHelpText(_ => ParameterCatalog.HelpText())
            .Run(args);
    }
}
