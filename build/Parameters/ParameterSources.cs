using Cake.Core;
using Cake.Core.Configuration;

namespace GpuImageBuilder.Build.Parameters;

/// <summary>Where a value came from, for diagnostics (<c>--verbosity=diagnostic</c> lists them).</summary>
public enum ValueSource
{
    Default,
    CakeConfig,
    EnvFile,
    Environment,
    Argument,
}

public sealed record ResolvedValue(string? Value, ValueSource Source);

/// <summary>
/// Looks each parameter up in precedence order: command-line argument, environment variable, .env file,
/// cake.config, default. The .env file is read once; a missing default .env is fine, a missing explicit one is not.
/// </summary>
public sealed class ParameterSources
{
    private readonly Func<string, string?> _argument;
    private readonly Func<string, string?> _environment;
    private readonly Func<string, string?> _config;
    private readonly IReadOnlyDictionary<string, string> _envFile;

    public ParameterSources(
        Func<string, string?> argument,
        Func<string, string?> environment,
        Func<string, string?> config,
        Func<string, string?> readFile)
    {
        _argument = argument;
        _environment = environment;
        _config = config;

        var envFileDefinition = ParameterCatalog.Get(Arg.EnvFile);
        var explicitPath = argument(envFileDefinition.Argument) ?? environment(envFileDefinition.Environment);
        var path = explicitPath ?? envFileDefinition.Default!;
        var text = readFile(path);
        if (text is null && explicitPath is not null)
        {
            throw new ParameterException(
                $"--{Arg.EnvFile} ({Env.EnvFile}) = '{explicitPath}': file not found; create it or drop the option");
        }

        EnvFilePath = text is null ? null : path;
        _envFile = text is null ? new Dictionary<string, string>() : EnvFile.Parse(path, text);
    }

    /// <summary>The .env file that was read, or null.</summary>
    public string? EnvFilePath { get; }

    public static ParameterSources FromCake(ICakeContext context)
    {
        var args = context.Arguments;
        return new ParameterSources(
            name => args.HasArgument(name) ? args.GetArguments(name).Last() : null,
            name => context.Environment.GetEnvironmentVariable(name),
            key => context.Configuration.GetValue(key),
            path => File.Exists(path) ? File.ReadAllText(path) : null);
    }

    public ResolvedValue Resolve(ParameterDefinition definition)
    {
        if (_argument(definition.Argument) is { } fromArgument)
        {
            return new(fromArgument, ValueSource.Argument);
        }

        if (_environment(definition.Environment) is { } fromEnvironment)
        {
            return new(fromEnvironment, ValueSource.Environment);
        }

        if (_envFile.TryGetValue(definition.Environment, out var fromFile))
        {
            return new(fromFile, ValueSource.EnvFile);
        }

        // Secrets are never taken from cake.config: it is committed.
        if (definition is { ConfigKey: not null, IsSecret: false } && _config(definition.ConfigKey) is { } fromConfig)
        {
            return new(fromConfig, ValueSource.CakeConfig);
        }

        return new(definition.Default, ValueSource.Default);
    }
}
