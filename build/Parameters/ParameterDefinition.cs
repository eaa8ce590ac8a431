namespace GpuImageBuilder.Build.Parameters;

/// <summary>
/// One input of the build: how it is named on each channel, its default, what a valid value looks like.
/// </summary>
/// <param name="Argument">The command-line name, kebab-case (<c>--kubernetes-version</c>).</param>
/// <param name="Environment">The environment variable, upper snake case; also the key in the .env file.</param>
/// <param name="ConfigKey">The cake.config key as Cake spells it (<c>Section_Key</c>), or null when not configurable there.</param>
/// <param name="Default">The default, or null when there is none.</param>
/// <param name="Description">One line for --help.</param>
/// <param name="Expected">What a valid value looks like, quoted in error messages.</param>
/// <param name="Group">Which tasks need it.</param>
/// <param name="Required">Whether the groups that use it need a value (a default counts as a value).</param>
/// <param name="IsSecret">Never printed, at any verbosity; registered with the log's redactor.</param>
/// <param name="Check">Returns null when the value is well-formed, else a short reason.</param>
public sealed record ParameterDefinition(
    string Argument,
    string Environment,
    string? ConfigKey,
    string? Default,
    string Description,
    string Expected,
    ParameterGroup Group,
    bool Required,
    bool IsSecret,
    Func<string, string?> Check);
