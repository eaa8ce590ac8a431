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
/// What cannot be used (a missing explicit .env, a malformed line, a name the build does not know) is collected in
/// <see cref="Problems"/> rather than thrown, so that it is reported with every other problem, before any task.
/// </summary>
public sealed class ParameterSources
{
    private readonly Func<string, string?> _argument;
    private readonly Func<string, string?> _environment;
    private readonly Func<string, string?> _config;
    private readonly IReadOnlyDictionary<string, string> _envFile;
    private readonly List<ParameterProblem> _problems = [];

    /// <param name="argumentNames">Every name given on the command line (without dashes), to find the unknown ones.</param>
    public ParameterSources(
        Func<string, string?> argument,
        Func<string, string?> environment,
        Func<string, string?> config,
        Func<string, string?> readFile,
        IEnumerable<string>? argumentNames = null)
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
            _problems.Add(new(ParameterGroup.None, $"--{Arg.EnvFile} ({Env.EnvFile}) = '{explicitPath}': file not found; create it or drop the option"));
        }

        EnvFilePath = text is null ? null : path;
        var envFileProblems = new List<string>();
        _envFile = text is null ? new Dictionary<string, string>() : EnvFile.Parse(path, text, envFileProblems);
        _problems.AddRange(envFileProblems.Select(p => new ParameterProblem(ParameterGroup.None, p)));
        _problems.AddRange(KnownNames.UnknownArguments(argumentNames ?? []).Select(p => new ParameterProblem(ParameterGroup.None, p)));
        if (EnvFilePath is not null)
        {
            _problems.AddRange(KnownNames.UnknownEnvFileKeys(EnvFilePath, _envFile.Keys).Select(p => new ParameterProblem(ParameterGroup.None, p)));
        }
    }

    /// <summary>The .env file that was read, or null.</summary>
    public string? EnvFilePath { get; }

    /// <summary>Inputs that could not be read, whatever the target; each phrased for the user, never with a secret.</summary>
    public IReadOnlyList<ParameterProblem> Problems => _problems;

    public static ParameterSources FromCake(ICakeContext context)
    {
        var args = context.Arguments;
        return new ParameterSources(
            name => args.HasArgument(name) ? args.GetArguments(name).Last() : null,
            name => context.Environment.GetEnvironmentVariable(name),
            key => context.Configuration.GetValue(key),
            path => File.Exists(path) ? File.ReadAllText(path) : null,
            args.GetArguments().Keys);
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
