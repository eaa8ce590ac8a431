namespace GpuImageBuilder.Build.Services.Validation;

/// <summary>One thing wrong with one asset, located as precisely as the checking tool allows.</summary>
public sealed record ValidationProblem(string File, int? Line, string Message)
{
    public override string ToString() => Line is null ? $"{File}: {Message}" : $"{File}:{Line}: {Message}";
}
