using Cake.Core.Diagnostics;
using GpuImageBuilder.Build.Images;
using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Services;
using GpuImageBuilder.Build.Services.GpuValidation;
using GpuImageBuilder.Build.Services.Packer;
using GpuImageBuilder.Build.Services.Processes;
using GpuImageBuilder.Build.Services.Register;
using GpuImageBuilder.Build.Services.Publishing;
using GpuImageBuilder.Build.Services.Steps;
using GpuImageBuilder.RegionContract;
using GpuImageBuilder.Build.Services.Upload;
using GpuImageBuilder.Build.Services.Verify;
using Microsoft.Extensions.DependencyInjection;

namespace GpuImageBuilder.Build.Context;

/// <summary>
/// The services tasks receive through their constructors. The run's inputs (parameters, catalog, paths) are the
/// context's, resolved once and checked by the lifetime before any task (and so any of these) is created.
/// </summary>
public static class BuildServices
{
    public static IServiceCollection AddBuildServices(this IServiceCollection services)
    {
        services.AddSingleton(sp => sp.GetRequiredService<BuildContext>().Parameters);
        services.AddSingleton<ImageCatalog>(sp => sp.GetRequiredService<BuildContext>().Catalog
            ?? throw new InvalidOperationException("the image definitions could not be read (reported before any task runs)"));
        services.AddSingleton(sp => sp.GetRequiredService<BuildContext>().Assets);
        services.AddSingleton(sp => sp.GetRequiredService<BuildContext>().Paths);
        services.AddSingleton<IBuildLog>(sp => new CakeServiceLog(sp.GetRequiredService<ICakeLog>()));
        services.AddSingleton<ICommandRunner, CommandRunner>();
        services.AddSingleton<PackerTool>();
        services.AddSingleton<ImageWorkspaces>();
        services.AddSingleton<BuildPlanner>();
        services.AddSingleton<AcceleratorSelection>();
        services.AddSingleton<BuildQcow2Step>();
        services.AddSingleton<ConvertRawStep>();
        services.AddSingleton<ChecksumStep>();
        services.AddSingleton<AuditImageStep>();
        services.AddSingleton<SmokeBootStep>();
        // Built when Register is created, after the lifetime checked the Region and S3 inputs.
        services.AddSingleton(sp => RegisterOptions.From(sp.GetRequiredService<BuildParameters>()));
        services.AddSingleton<RegisterStep>();
        // The region's spec, parsed once, only when a task that checks a payload is created.
        services.AddSingleton(_ => ContractSchemas.Load());
        services.AddSingleton<PayloadValidator>();
        services.AddSingleton<GeneratePayloadStep>();
        services.AddSingleton<S3ClientFactory>();
        services.AddSingleton<PublishedUrls>();
        services.AddSingleton(_ => UploadTuning.FromEnvironment());
        services.AddSingleton<ImageUploader>();
        services.AddSingleton<UploadStep>();
        // Register presigns with the Upload side's S3 client (--s3-url-mode=presigned).
        services.AddSingleton<IObjectUrlSigner, ObjectUrlSigner>();
        services.AddSingleton<InstanceVerifier>();
        services.AddSingleton<ContainerEngineSelection>();
        services.AddSingleton<DebianBaseImages>();
        services.AddSingleton<ValidationImageBuilder>();
        services.AddSingleton<ValidationImagePublisher>();
        return services;
    }
}
