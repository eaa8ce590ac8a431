using GpuImageBuilder.Build.Services.Processes;

namespace GpuImageBuilder.Build.Services.GpuValidation;

/// <summary>
/// Which engine --container-engine means. auto takes podman when it is installed (it needs no daemon), else docker
/// when its daemon answers; podman or docker must be there when named. Each failure is one line with the fix.
/// </summary>
public sealed class ContainerEngineSelection(ICommandRunner runner, IBuildLog log)
{
    /// <summary>Finds a tool on PATH; the tests replace it to see the answers on a host that has other tools.</summary>
    public Func<string, string?> Which { get; init; } = CommandRunner.Which;

    public async Task<ContainerEngine> SelectAsync(string choice, CancellationToken cancellation)
    {
        var podman = Which("podman");
        var docker = Which("docker");
        switch (choice)
        {
            case "podman" when podman is null:
                throw new ContainerEngineException("--container-engine=podman: podman is not installed; install it (tools/install-prerequisites.sh) or pass --container-engine=docker");
            case "podman":
                return Engine(podman);
            case "docker" when docker is null:
                throw new ContainerEngineException("--container-engine=docker: docker is not installed; install Docker or pass --container-engine=podman");
            case "docker":
                await RequireDockerDaemon(docker, cancellation);
                return Engine(docker);
        }

        if (podman is not null)
        {
            return Engine(podman);
        }

        if (docker is not null)
        {
            await RequireDockerDaemon(docker, cancellation);
            return Engine(docker);
        }

        throw new ContainerEngineException("--container-engine=auto: neither podman nor docker is installed; install podman (tools/install-prerequisites.sh) or Docker");
    }

    private ContainerEngine Engine(string tool)
    {
        log.Information($"Container engine: {tool}");
        return new ContainerEngine(tool, runner, log);
    }

    private async Task RequireDockerDaemon(string docker, CancellationToken cancellation)
    {
        var info = await runner.RunAsync(docker, ["info", "--format", "{{.ServerVersion}}"], new CommandOptions { Timeout = TimeSpan.FromSeconds(30), Cancellation = cancellation });
        if (!info.Succeeded)
        {
            throw new ContainerEngineException("docker: its daemon does not answer (docker info failed); start it, or install podman and pass --container-engine=podman");
        }
    }
}
