using GpuImageBuilder.Build.Parameters;
using GpuImageBuilder.Build.Tests.Infrastructure;

namespace GpuImageBuilder.Build.Tests.Parameters;

[TestFixture]
public sealed class PrecedenceTests
{
    private static readonly ParameterDefinition Kubernetes = ParameterCatalog.Get(Arg.KubernetesVersion);

    private static ParameterSources Sources(
        string? argument = null, string? environment = null, string? envFile = null, string? config = null) =>
        new(
            name => name == Kubernetes.Argument ? argument : null,
            name => name == Kubernetes.Environment ? environment : null,
            key => key == Kubernetes.ConfigKey ? config : null,
            path => path == ".env" && envFile is not null ? $"{Kubernetes.Environment}={envFile}\n" : null);

    [TestCase("v1.0.1", "v1.0.2", "v1.0.3", "v1.0.4", "v1.0.1", ValueSource.Argument)]
    [TestCase(null, "v1.0.2", "v1.0.3", "v1.0.4", "v1.0.2", ValueSource.Environment)]
    [TestCase(null, null, "v1.0.3", "v1.0.4", "v1.0.3", ValueSource.EnvFile)]
    [TestCase(null, null, null, "v1.0.4", "v1.0.4", ValueSource.CakeConfig)]
    [TestCase(null, null, null, null, "v1.30.14", ValueSource.Default)]
    public void Highest_source_wins(string? arg, string? env, string? file, string? config, string expected, ValueSource source)
    {
        var resolved = Sources(arg, env, file, config).Resolve(Kubernetes);
        Assert.That(resolved, Is.EqualTo(new ResolvedValue(expected, source)));
    }

    [Test]
    public void Secrets_are_never_read_from_cake_config()
    {
        var token = ParameterCatalog.Get(Arg.Token);
        var sources = new ParameterSources(_ => null, _ => null, _ => "from-config", _ => null);
        Assert.That(sources.Resolve(token).Value, Is.Null);
    }

    [Test]
    public void Env_file_path_can_be_overridden_and_is_read_once()
    {
        var reads = new List<string>();
        var sources = new ParameterSources(
            name => name == Arg.EnvFile ? "secrets/ci.env" : null,
            _ => null,
            _ => null,
            path =>
            {
                reads.Add(path);
                return "NSCALE_API_TOKEN=abc123token\n# comment\nexport NSCALE_ORG_ID=\"9a8b7c6d-1234-4e5f-8a9b-0c1d2e3f4a5b\"\n";
            });
        Assert.That(sources.Resolve(ParameterCatalog.Get(Arg.Token)).Value, Is.EqualTo("abc123token"));
        Assert.That(sources.Resolve(ParameterCatalog.Get(Arg.OrganizationId)).Value, Is.EqualTo("9a8b7c6d-1234-4e5f-8a9b-0c1d2e3f4a5b"));
        Assert.That(reads, Is.EqualTo(new[] { "secrets/ci.env" }));
        Assert.That(sources.EnvFilePath, Is.EqualTo("secrets/ci.env"));
    }

    [Test]
    public void A_malformed_env_file_line_is_reported_by_line_number_without_its_text()
    {
        var sources = new ParameterSources(_ => null, _ => null, _ => null, _ => "NSCALE_ORG_ID=x\nsupersecretvalue\n");
        Assert.That(sources.Problems.Select(p => p.Message), Is.EqualTo(new[] { ".env:2: not a KEY=value line; fix or remove that line" }));
        Assert.That(sources.Resolve(ParameterCatalog.Get(Arg.OrganizationId)).Value, Is.EqualTo("x"), "the other lines are still read");
    }

    [Test]
    public void A_misspelt_env_file_key_is_reported_with_the_nearest_variable()
    {
        var sources = new ParameterSources(_ => null, _ => null, _ => null, _ => "NSCALE_API_TOKN=abc\nS3_BUCKET=b\n");
        Assert.That(sources.Problems.Select(p => p.Message), Is.EqualTo(new[]
        {
            ".env: NSCALE_API_TOKN is not a parameter's environment variable; did you mean NSCALE_API_TOKEN? (--help lists them all)",
        }));
    }

    [Test]
    public void Cake_config_is_read_by_the_real_host()
    {
        using var host = new HostRunner();
        File.AppendAllText(host.PathOf("cake.config"), "\n[Image]\nKubernetesVersion=v1.31.9\n");
        host.Environment[Env.NvidiaDriverVersion] = "570.86.15";
        var result = host.Run("--target=Register", "--verbosity=diagnostic", "--gpu-models=A100");
        Assert.That(result.Output, Does.Contain("kubernetes-version = v1.31.9 [CakeConfig]"), result.ToString());
        Assert.That(result.Output, Does.Contain("nvidia-driver-version = 570.86.15 [Environment]"));
        Assert.That(result.Output, Does.Contain("gpu-models = A100 [Argument]"));
        Assert.That(result.Output, Does.Contain("ubuntu-version = 22.04 [CakeConfig]"));
        Assert.That(result.Output, Does.Contain("memory = 2048 [CakeConfig]"));
        Assert.That(result.Output, Does.Contain("force = false [Default]"));
    }
}
